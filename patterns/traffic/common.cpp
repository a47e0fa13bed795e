#include "patterns/traffic/common.hpp"

#include <algorithm>
#include <cmath>

namespace meshbench {
namespace traffic_detail {

TrafficRow row(const TrafficInputs& in, const char* axis, const char* phase, CollectiveOp op,
               double bytes, long long calls, std::vector<MeshAxis> axes, std::string what) {
  TrafficRow r;
  r.axis = axis;
  r.phase = phase;
  r.op = op;
  r.bytes_per_call = bytes;
  r.calls_per_step = calls;
  r.group_size = group_size(in, axes);
  r.group_axes = std::move(axes);
  r.what = std::move(what);
  return r;
}

void add_buckets(std::vector<TrafficRow>& rows, const TrafficInputs& in, const char* axis,
                 CollectiveOp op, double total_bytes, double bucket,
                 const std::vector<MeshAxis>& axes, const std::string& what) {
  if (total_bytes <= 0) return;
  const auto full = static_cast<long long>(std::floor(total_bytes / bucket));
  const double rest = total_bytes - d(full) * bucket;
  if (full > 0) rows.push_back(row(in, axis, "step", op, bucket, full, axes, what + " (bucket)"));
  if (rest > 0) rows.push_back(row(in, axis, "step", op, rest, 1, axes, what + " (last bucket)"));
}

}  // namespace traffic_detail

const std::vector<MeshAxis>& dense_replica_axes() {
  static const std::vector<MeshAxis> axes = {MeshAxis::kDp, MeshAxis::kCp, MeshAxis::kEp};
  return axes;
}

const std::vector<MeshAxis>& expert_replica_axes() {
  static const std::vector<MeshAxis> axes = {MeshAxis::kDp, MeshAxis::kCp};
  return axes;
}

int group_size(const TrafficInputs& in, const std::vector<MeshAxis>& axes) {
  int n = 1;
  for (MeshAxis a : axes) n *= in.layout[a];
  return n;
}

GpuParams layer_params_per_gpu(const TrafficInputs& in, bool moe) {
  const long long layer = in.model.first_layer_of_kind(moe);
  if (layer < 0) return {};
  const LayerParams p = in.model.layer_params(layer);
  const int tp = in.layout[MeshAxis::kTp], ep = in.layout[MeshAxis::kEp];
  return {p.tp_split / tp + p.replicated, p.experts / (static_cast<double>(tp) * ep)};
}

GpuParams stage_params_per_gpu(const TrafficInputs& in, const StageLayers& layers) {
  const GpuParams dense = layer_params_per_gpu(in, false), moe = layer_params_per_gpu(in, true);
  const double nd = traffic_detail::d(layers.dense), nm = traffic_detail::d(layers.moe);
  return {nd * dense.dense + nm * moe.dense, nd * dense.expert + nm * moe.expert};
}

TrafficInputs make_traffic_inputs(const ModelConfig& model, const TrainingConfig& train,
                                  const MeshSizes& layout) {
  return TrafficInputs{model, train, layout, validate_step(model, train, layout)};
}

std::vector<TrafficRow> step_traffic(const TrafficInputs& in) {
  std::vector<TrafficRow> all;
  for (auto* f : {&tp_traffic, &vocab_traffic, &cp_traffic, &ep_traffic, &pp_traffic, &dp_traffic,
                  &zero_traffic, &embedding_grad_traffic}) {
    auto rows = f(in);
    all.insert(all.end(), rows.begin(), rows.end());
  }
  return all;
}

ElementCounts executed_counts(const TrafficRow& r, double scale) {
  constexpr std::size_t kFloat32Bytes = 4;
  const auto requested = static_cast<std::uint64_t>(std::llround(r.bytes_per_call * scale));
  ElementCounts c = element_counts(r.op, std::max<std::uint64_t>(requested, 1), r.group_size,
                                   kFloat32Bytes);
  if (c.size_bytes == 0) {  // at least one element per rank block
    c = element_counts(r.op, static_cast<std::uint64_t>(r.group_size) * kFloat32Bytes,
                       r.group_size, kFloat32Bytes);
  }
  return c;
}

}  // namespace meshbench
