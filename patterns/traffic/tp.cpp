#include "patterns/traffic/common.hpp"

namespace meshbench {

std::vector<TrafficRow> tp_traffic(const TrafficInputs& in) {
  using namespace traffic_detail;
  std::vector<TrafficRow> rows;
  if (in.layout[MeshAxis::kTp] == 1) return rows;
  const TrainingConfig& t = in.train;
  // The activation one layer's TP collectives move: b x (s/cp) x h elements.
  const double act = d(t.micro_batch_size) * d(in.shape.seq_per_rank) * d(in.model.hidden_size) *
                     t.dtype_bytes;
  const long long per_pass = 2 * in.shape.layers_per_stage * in.shape.micro_batches;
  // Full recomputation reruns each layer's forward, collectives included, in backward.
  const long long bwd = per_pass * (t.recompute == Recompute::kFull ? 2 : 1);
  const std::vector<MeshAxis> g = {MeshAxis::kTp};
  if (!t.sequence_parallel) {
    rows.push_back(row(in, "tp", "fwd", CollectiveOp::kAllReduce, act, per_pass, g,
                       "attention and MLP outputs (2 per layer)"));
    rows.push_back(row(in, "tp", "bwd", CollectiveOp::kAllReduce, act, bwd, g,
                       "input gradients of attention and MLP (2 per layer)"));
  } else {
    rows.push_back(row(in, "tp", "fwd", CollectiveOp::kAllGather, act, per_pass, g,
                       "sequence-parallel input of attention and MLP"));
    rows.push_back(row(in, "tp", "fwd", CollectiveOp::kReduceScatter, act, per_pass, g,
                       "attention and MLP outputs"));
    rows.push_back(row(in, "tp", "bwd", CollectiveOp::kAllGather, act, bwd, g,
                       "output gradients of attention and MLP"));
    rows.push_back(row(in, "tp", "bwd", CollectiveOp::kReduceScatter, act, bwd, g,
                       "input gradients of attention and MLP"));
  }
  return rows;
}

std::vector<TrafficRow> vocab_traffic(const TrafficInputs& in) {
  using namespace traffic_detail;
  std::vector<TrafficRow> rows;
  if (in.layout[MeshAxis::kTp] == 1) return rows;
  const TrainingConfig& t = in.train;
  const double tokens = d(t.micro_batch_size) * d(in.shape.seq_per_rank);
  const double act = tokens * d(in.model.hidden_size) * t.dtype_bytes;
  const long long m = in.shape.micro_batches;
  const int last = in.layout[MeshAxis::kPp] - 1;
  auto add = [&](const char* phase, CollectiveOp op, double bytes, long long calls, const char* what) {
    rows.push_back(row(in, "tp", phase, op, bytes, calls, {MeshAxis::kTp}, what));
  };
  const bool sp = t.sequence_parallel;
  if (in.shape.stage == 0) {
    add("fwd", sp ? CollectiveOp::kReduceScatter : CollectiveOp::kAllReduce, act, m,
        "vocab-parallel embedding output");
    if (sp) add("bwd", CollectiveOp::kAllGather, act, m, "gradient of the embedding output");
  }
  if (in.shape.stage == last) {
    if (sp) add("fwd", CollectiveOp::kAllGather, act, m, "final hidden state into the output layer");
    add("bwd", sp ? CollectiveOp::kReduceScatter : CollectiveOp::kAllReduce, act, m,
        sp ? "gradient of the final hidden state" : "gradient of the output layer's input");
    add("fwd", CollectiveOp::kAllReduce, tokens * 4, 3 * m,
        "vocab-parallel cross entropy: max, target logit, sum of exps (fp32)");
  }
  for (TrafficRow& r : rows) r.overlappable = false;
  return rows;
}

}  // namespace meshbench
