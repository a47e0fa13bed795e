#include "patterns/traffic/common.hpp"

namespace meshbench {

std::vector<TrafficRow> zero_traffic(const TrafficInputs& in) {
  using namespace traffic_detail;
  std::vector<TrafficRow> rows;
  const TrainingConfig& t = in.train;
  if (t.zero_stage == 0) return rows;
  const double layers = d(in.shape.layers_per_stage);
  const std::vector<MeshAxis> dense = {MeshAxis::kDp, MeshAxis::kCp, MeshAxis::kEp};
  const std::vector<MeshAxis> expert = {MeshAxis::kDp, MeshAxis::kCp};
  struct Part { double layer_params; const std::vector<MeshAxis>* axes; const char* name; };
  const Part parts[] = {{dense_layer_params_per_gpu(in), &dense, "dense"},
                        {expert_layer_params_per_gpu(in), &expert, "expert"}};
  for (const Part& p : parts) {
    int group = 1;
    for (MeshAxis a : *p.axes) group *= in.layout[a];
    if (group == 1 || p.layer_params <= 0) continue;
    if (t.zero_stage <= 2) {
      // Stages 1-2: gradients reduce-scattered, updated parameters all-gathered, once a step.
      add_buckets(rows, in, "zero", CollectiveOp::kReduceScatter,
                  layers * p.layer_params * t.grad_reduce_bytes, t.dp_bucket_bytes, *p.axes,
                  std::string(p.name) + " gradients");
      add_buckets(rows, in, "zero", CollectiveOp::kAllGather,
                  layers * p.layer_params * t.dtype_bytes, t.dp_bucket_bytes, *p.axes,
                  std::string(p.name) + " parameters");
    } else {
      // Stage 3 / FSDP: each layer's parameters gathered for forward and again for backward,
      // its gradients reduce-scattered in backward, every micro-batch.
      const long long calls = in.shape.layers_per_stage * in.shape.micro_batches;
      rows.push_back(row(in, "zero", "fwd", CollectiveOp::kAllGather,
                         p.layer_params * t.dtype_bytes, calls, *p.axes,
                         std::string(p.name) + " parameters of a layer"));
      rows.push_back(row(in, "zero", "bwd", CollectiveOp::kAllGather,
                         p.layer_params * t.dtype_bytes, calls, *p.axes,
                         std::string(p.name) + " parameters of a layer"));
      rows.push_back(row(in, "zero", "bwd", CollectiveOp::kReduceScatter,
                         p.layer_params * t.grad_reduce_bytes, calls, *p.axes,
                         std::string(p.name) + " gradients of a layer"));
    }
  }
  return rows;
}

}  // namespace meshbench
