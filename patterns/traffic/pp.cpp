#include "patterns/traffic/common.hpp"

namespace meshbench {

std::vector<TrafficRow> pp_traffic(const TrafficInputs& in) {
  using namespace traffic_detail;
  std::vector<TrafficRow> rows;
  if (in.layout[MeshAxis::kPp] == 1) return rows;
  const TrainingConfig& t = in.train;
  double act = d(t.micro_batch_size) * d(in.shape.seq_per_rank) * d(in.model.hidden_size) *
               t.dtype_bytes;
  if (t.sequence_parallel) act /= in.layout[MeshAxis::kTp];  // the stage boundary is SP-sharded
  // A middle stage sends each micro-batch's (chunk's) activation on and receives the previous
  // stage's; backward the same with gradients.
  const long long calls = in.shape.micro_batches * t.virtual_pipeline_stages;
  const std::vector<MeshAxis> g = {MeshAxis::kPp};
  rows.push_back(row(in, "pp", "fwd", CollectiveOp::kSendRecv, act, calls, g,
                     "activation to the next stage, one received from the previous"));
  rows.push_back(row(in, "pp", "bwd", CollectiveOp::kSendRecv, act, calls, g,
                     "activation gradient to the previous stage, one received from the next"));
  return rows;
}

std::vector<TrafficRow> embedding_grad_traffic(const TrafficInputs& in) {
  using namespace traffic_detail;
  std::vector<TrafficRow> rows;
  const int pp = in.layout[MeshAxis::kPp], tp = in.layout[MeshAxis::kTp];
  // The step ends on it whichever stage the rows describe (pattern idles the middle stages).
  if (pp < 2 || !in.model.tied_embeddings) return rows;
  // --make-vocab-size-divisible-by 128, times tp (Megatron's vocab padding).
  const long long multiple = 128LL * tp;
  const double padded = d((in.model.vocab_size + multiple - 1) / multiple * multiple);
  TrafficRow r = row(in, "emb", "step", CollectiveOp::kAllReduce,
                     padded / tp * d(in.model.hidden_size) * in.train.grad_reduce_bytes, 1,
                     {MeshAxis::kPp}, "tied word-embedding gradient, first and last stage");
  r.group_size = 2;
  r.pipeline_ends = true;
  rows.push_back(std::move(r));
  return rows;
}

}  // namespace meshbench
