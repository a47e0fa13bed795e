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

}  // namespace meshbench
