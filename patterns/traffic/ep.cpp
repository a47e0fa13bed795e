#include "patterns/traffic/common.hpp"

namespace meshbench {

std::vector<TrafficRow> ep_traffic(const TrafficInputs& in) {
  using namespace traffic_detail;
  std::vector<TrafficRow> rows;
  if (in.layout[MeshAxis::kEp] == 1) return rows;
  const TrainingConfig& t = in.train;
  double tokens = d(t.micro_batch_size) * d(in.shape.seq_per_rank);
  if (t.sequence_parallel) tokens /= in.layout[MeshAxis::kTp];
  // Each token's hidden state goes to its top-k experts and comes back.
  const double bytes = tokens * d(in.model.experts_per_token) * d(in.model.hidden_size) *
                       t.dtype_bytes;
  // Only MoE layers route tokens; shared experts and dense layers need no all-to-all.
  const long long per_pass = 2 * in.shape.stage_layers.moe * in.shape.micro_batches;
  if (per_pass == 0) return rows;
  const long long bwd = per_pass * (t.recompute == Recompute::kFull ? 2 : 1);
  const std::vector<MeshAxis> g = {MeshAxis::kEp};
  rows.push_back(row(in, "ep", "fwd", CollectiveOp::kAllToAll, bytes, per_pass, g,
                     "token dispatch and combine (2 per MoE layer)"));
  rows.push_back(row(in, "ep", "bwd", CollectiveOp::kAllToAll, bytes, bwd, g,
                     "gradient dispatch and combine (2 per MoE layer)"));
  return rows;
}

}  // namespace meshbench
