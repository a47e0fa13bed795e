#include "patterns/traffic/common.hpp"

namespace meshbench {

std::vector<TrafficRow> dp_traffic(const TrafficInputs& in) {
  using namespace traffic_detail;
  std::vector<TrafficRow> rows;
  if (in.train.zero_stage != 0) return rows;
  const GpuParams stage = stage_params_per_gpu(in, in.shape.stage_layers);
  const double g = in.train.grad_reduce_bytes;
  // Dense weights are replicated over dp, cp and ep; experts only over dp and cp.
  const std::vector<MeshAxis> dense = {MeshAxis::kDp, MeshAxis::kCp, MeshAxis::kEp};
  const std::vector<MeshAxis> expert = {MeshAxis::kDp, MeshAxis::kCp};
  const auto size = [&](const std::vector<MeshAxis>& axes) {
    int n = 1;
    for (MeshAxis a : axes) n *= in.layout[a];
    return n;
  };
  if (size(dense) > 1) {
    add_buckets(rows, in, "dp", CollectiveOp::kAllReduce,
                stage.dense * g, in.train.dp_bucket_bytes, dense,
                "dense gradients");
  }
  if (size(expert) > 1) {
    add_buckets(rows, in, "dp", CollectiveOp::kAllReduce,
                stage.expert * g, in.train.dp_bucket_bytes, expert,
                "expert gradients");
  }
  return rows;
}

}  // namespace meshbench
