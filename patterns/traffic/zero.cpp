#include "patterns/traffic/common.hpp"

namespace meshbench {
namespace {

using namespace traffic_detail;

/// Stages 1-2: gradients reduce-scattered, updated parameters all-gathered, once a step.
void add_sharded_step(std::vector<TrafficRow>& rows, const TrafficInputs& in) {
  const TrainingConfig& t = in.train;
  const GpuParams stage = stage_params_per_gpu(in, in.shape.stage_layers);
  struct Part { double params; const std::vector<MeshAxis>& axes; const char* name; };
  const Part parts[] = {{stage.dense, dense_replica_axes(), "dense"},
                        {stage.expert, expert_replica_axes(), "expert"}};
  for (const Part& p : parts) {
    if (group_size(in, p.axes) == 1 || p.params <= 0) continue;
    add_buckets(rows, in, "zero", CollectiveOp::kReduceScatter, p.params * t.grad_reduce_bytes,
                t.dp_bucket_bytes, p.axes, std::string(p.name) + " gradients");
    add_buckets(rows, in, "zero", CollectiveOp::kAllGather, p.params * t.dtype_bytes,
                t.dp_bucket_bytes, p.axes, std::string(p.name) + " parameters");
  }
}

/// Stage 3 / FSDP: each layer's parameters gathered for forward and again for backward, its
/// gradients reduce-scattered in backward, every micro-batch; one set of rows per layer kind
/// (a MoE layer's dense part and its experts go to different groups).
void add_per_layer(std::vector<TrafficRow>& rows, const TrafficInputs& in) {
  const TrainingConfig& t = in.train;
  struct Part { bool moe_layer; bool experts; long long layers; const char* name; };
  const Part parts[] = {{false, false, in.shape.stage_layers.dense, "dense layer"},
                        {true, false, in.shape.stage_layers.moe, "MoE layer's dense part"},
                        {true, true, in.shape.stage_layers.moe, "MoE layer's experts"}};
  for (const Part& p : parts) {
    const GpuParams layer = layer_params_per_gpu(in, p.moe_layer);
    const double params = p.experts ? layer.expert : layer.dense;
    const std::vector<MeshAxis>& axes = p.experts ? expert_replica_axes() : dense_replica_axes();
    if (p.layers == 0 || group_size(in, axes) == 1 || params <= 0) continue;
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
}

}  // namespace

std::vector<TrafficRow> zero_traffic(const TrafficInputs& in) {
  std::vector<TrafficRow> rows;
  if (in.train.zero_stage == 0) return rows;
  if (in.train.zero_stage <= 2) {
    add_sharded_step(rows, in);
  } else {
    add_per_layer(rows, in);
  }
  return rows;
}

}  // namespace meshbench
