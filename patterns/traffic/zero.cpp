#include "patterns/traffic/common.hpp"

namespace meshbench {

std::vector<TrafficRow> zero_traffic(const TrafficInputs& in) {
  using namespace traffic_detail;
  std::vector<TrafficRow> rows;
  const TrainingConfig& t = in.train;
  if (t.zero_stage == 0) return rows;
  const std::vector<MeshAxis> dense = {MeshAxis::kDp, MeshAxis::kCp, MeshAxis::kEp};
  const std::vector<MeshAxis> expert = {MeshAxis::kDp, MeshAxis::kCp};
  const auto group = [&](const std::vector<MeshAxis>& axes) {
    int n = 1;
    for (MeshAxis a : axes) n *= in.layout[a];
    return n;
  };
  if (t.zero_stage <= 2) {
    // Stages 1-2: gradients reduce-scattered, updated parameters all-gathered, once a step.
    const GpuParams stage = stage_params_per_gpu(in, in.shape.stage_layers);
    const std::pair<double, const std::vector<MeshAxis>*> parts[] = {{stage.dense, &dense},
                                                                     {stage.expert, &expert}};
    const char* names[] = {"dense", "expert"};
    for (int i = 0; i < 2; ++i) {
      const auto& [params, axes] = parts[i];
      if (group(*axes) == 1 || params <= 0) continue;
      add_buckets(rows, in, "zero", CollectiveOp::kReduceScatter, params * t.grad_reduce_bytes,
                  t.dp_bucket_bytes, *axes, std::string(names[i]) + " gradients");
      add_buckets(rows, in, "zero", CollectiveOp::kAllGather, params * t.dtype_bytes,
                  t.dp_bucket_bytes, *axes, std::string(names[i]) + " parameters");
    }
    return rows;
  }
  // Stage 3 / FSDP: each layer's parameters gathered for forward and again for backward, its
  // gradients reduce-scattered in backward, every micro-batch; one set of rows per layer kind
  // (a MoE layer's dense part and its experts go to different groups).
  struct Part { bool moe_layer; bool experts; long long layers; const char* name; };
  const Part parts[] = {{false, false, in.shape.stage_layers.dense, "dense layer"},
                        {true, false, in.shape.stage_layers.moe, "MoE layer's dense part"},
                        {true, true, in.shape.stage_layers.moe, "MoE layer's experts"}};
  for (const Part& p : parts) {
    const GpuParams layer = layer_params_per_gpu(in, p.moe_layer);
    const double params = p.experts ? layer.expert : layer.dense;
    const std::vector<MeshAxis>& axes = p.experts ? expert : dense;
    if (p.layers == 0 || group(axes) == 1 || params <= 0) continue;
    const long long calls = p.layers * in.shape.micro_batches;
    const std::string what = std::string("parameters of a ") + p.name;
    rows.push_back(row(in, "zero", "fwd", CollectiveOp::kAllGather, params * t.dtype_bytes, calls,
                       axes, what));
    rows.push_back(row(in, "zero", "bwd", CollectiveOp::kAllGather, params * t.dtype_bytes, calls,
                       axes, what));
    rows.push_back(row(in, "zero", "bwd", CollectiveOp::kReduceScatter,
                       params * t.grad_reduce_bytes, calls, axes,
                       std::string("gradients of a ") + p.name));
  }
  return rows;
}

}  // namespace meshbench
