#include "patterns/traffic/common.hpp"

namespace meshbench {

std::vector<TrafficRow> dp_traffic(const TrafficInputs& in) {
  using namespace traffic_detail;
  std::vector<TrafficRow> rows;
  if (in.train.zero_stage != 0) return rows;
  const GpuParams stage = stage_params_per_gpu(in, in.shape.stage_layers);
  const double g = in.train.grad_reduce_bytes;
  // Dense weights are replicated over dp, cp and ep; experts only over dp and cp.
  if (group_size(in, dense_replica_axes()) > 1) {
    add_buckets(rows, in, "dp", CollectiveOp::kAllReduce, stage.dense * g,
                in.train.dp_bucket_bytes, dense_replica_axes(), "dense gradients");
  }
  if (group_size(in, expert_replica_axes()) > 1) {
    add_buckets(rows, in, "dp", CollectiveOp::kAllReduce, stage.expert * g,
                in.train.dp_bucket_bytes, expert_replica_axes(), "expert gradients");
  }
  return rows;
}

}  // namespace meshbench
