#include "fit/plan/estimate.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "patterns/collective_cost.hpp"

namespace meshbench::plan {
namespace {

class SpecSheetCost final : public CommCost {
 public:
  explicit SpecSheetCost(ClusterSpec c) : c_(std::move(c)) {}
  CallCost call(CollectiveOp op, double bytes, const GroupShape& g) const override {
    const TierLink& link = g.nodes > 1 ? c_.inter : c_.intra;
    const AlgorithmSteps s = algorithm_steps(op, default_algorithm(op), g.ranks);
    return {s.alpha_steps * link.alpha_us + s.beta_fraction * bytes / (link.bw_GBps * 1e3), ""};
  }
  std::string describe() const override { return c_.name + " (" + c_.note + ")"; }

 private:
  ClusterSpec c_;
};

class ProfileCost final : public CommCost {
 public:
  explicit ProfileCost(fit::Profile p) : p_(std::move(p)) {}
  CallCost call(CollectiveOp op, double bytes, const GroupShape& g) const override {
    const fit::Prediction p = fit::predict(p_, op, bytes, g.ranks, g.nodes, "", g.concurrent_groups);
    return {p.time_us, p.note};
  }
  std::string describe() const override { return "meshfit profile"; }

 private:
  fit::Profile p_;
};

}  // namespace

std::unique_ptr<CommCost> spec_sheet_cost(const ClusterSpec& cluster) {
  return std::make_unique<SpecSheetCost>(cluster);
}

std::unique_ptr<CommCost> profile_cost(fit::Profile profile) {
  return std::make_unique<ProfileCost>(std::move(profile));
}

namespace {

/// The field that holds `axis`'s communication before overlap (StepEstimate::total_s);
/// nullptr for a name that is no traffic axis. The one mapping of axis names to fields.
template <typename Estimate>
auto total_of(Estimate& e, std::string_view axis) -> decltype(&e.pp_s) {
  if (axis == "tp") return &e.tp_total_s;
  if (axis == "pp") return &e.pp_s;
  if (axis == "dp") return &e.dp_total_s;
  if (axis == "zero") return &e.zero_total_s;
  if (axis == "cp") return &e.cp_total_s;
  if (axis == "ep") return &e.ep_s;
  return nullptr;
}

}  // namespace

double StepEstimate::total_s(std::string_view axis) const {
  const double* total = total_of(*this, axis);
  return total ? *total : -1;
}

GroupPlacement axis_placement(const MeshSizes& layout, const std::vector<MeshAxis>& axes,
                              int gpus_per_node) {
  // Group 0 of the mesh in Megatron order, placed on nodes in blocks of gpus_per_node: the
  // same DeviceMesh and classify_group that meshbench's groups come from (patterns/mesh.hpp).
  const DeviceMesh mesh(layout, kMegatronOrder, layout.product());
  return classify_group(mesh.group_of(0, axes), gpus_per_node);
}

int nodes_spanned(const MeshSizes& layout, const std::vector<MeshAxis>& axes, int gpus_per_node) {
  return axis_placement(layout, axes, gpus_per_node).nodes;
}

double pipeline_pace_factor(const TrafficInputs& in) {
  const int pp = in.layout[MeshAxis::kPp];
  if (pp < 2) return 1;
  const ModelConfig& m = in.model;
  // Forward FLOPs per token of one layer of each kind (matmul + attention, as model_flops).
  const double attention = layer_attention_flops_per_token(m, static_cast<double>(in.train.seq_length));
  auto layer_flops = [&](bool moe) {
    const long long i = m.first_layer_of_kind(moe);
    return i < 0 ? 0.0 : 2 * m.layer_active_matmul_params(i) + attention;
  };
  const double dense = layer_flops(false), moe = layer_flops(true);
  const double logits = 2 * static_cast<double>(m.vocab_size) * static_cast<double>(m.hidden_size);
  double total = 0, slowest = 0;
  for (int st = 0; st < pp; ++st) {
    const StageLayers l = stage_layers(m, in.shape.split, st);
    const double w = static_cast<double>(l.dense) * dense + static_cast<double>(l.moe) * moe +
                     (st == pp - 1 ? logits : 0);
    total += w;
    slowest = std::max(slowest, w);
  }
  return total > 0 ? slowest * pp / total : 1;
}

StepEstimate estimate_step(const TrafficInputs& in, const GpuSpec& gpu, int gpus_per_node,
                           const CommCost& cost, const PlanOptions& o) {
  StepEstimate e;
  e.gpus = in.layout.product();
  e.gpus_per_node = gpus_per_node;
  e.matmul_efficiency = o.matmul_efficiency > 0 ? o.matmul_efficiency : gpu.matmul_efficiency;
  const double global = static_cast<double>(in.shape.micro_batches * in.train.micro_batch_size *
                                            in.layout[MeshAxis::kDp]);
  const double s = static_cast<double>(in.train.seq_length);
  e.model_flops = model_flops(in.model, global, s);
  e.hardware_flops = hardware_flops(in.model, global, s, in.train.recompute);
  const double peak = gpu.peak_bf16_tflops * 1e12;
  e.pace_factor = pipeline_pace_factor(in);
  e.compute_at_peak_s = e.hardware_flops / e.gpus / peak * e.pace_factor;
  e.compute_s = e.compute_at_peak_s / e.matmul_efficiency;

  for (const TrafficRow& r : step_traffic(in)) {
    const GroupPlacement place = axis_placement(in.layout, r.group_axes, gpus_per_node);
    const int nodes = place.nodes;
    // All groups of the axis run at once: a node's GPUs are split among them.
    const int on_node = std::min(gpus_per_node, e.gpus);
    const GroupShape shape{r.group_size, nodes, std::max(1, on_node / std::max(1, place.ranks_per_node))};
    const CallCost c = cost.call(r.op, r.bytes_per_call, shape);
    const double t = c.time_us * 1e-6 * static_cast<double>(r.calls_per_step);
    if (!c.note.empty()) {
      auto& notes = e.cost_notes[r.axis];
      if (std::find(notes.begin(), notes.end(), c.note) == notes.end()) notes.push_back(c.note);
    }
    if (double* total = total_of(e, r.axis)) *total += t;
    if (r.axis == "tp") e.tp_nodes = std::max(e.tp_nodes, nodes);
  }
  e.tp_s = o.overlap_tp ? 0 : e.tp_total_s;
  e.dp_s = e.dp_total_s * (1 - o.dp_overlap);
  e.zero_s = e.zero_total_s * (1 - o.dp_overlap);
  // Ring attention hides its K/V exchange behind the attention compute (its share of the
  // layers' FLOPs, forward and backward alike).
  const ForwardFlopsPerToken f = forward_flops_per_token(in.model, s);
  const double attention_share = f.attention / (f.matmul + f.attention);
  auto cp_exposed = [&](double compute) {
    return std::max(0.0, e.cp_total_s - attention_share * compute);
  };
  const int pp = in.layout[MeshAxis::kPp];
  const double bubble_fraction =
      static_cast<double>(pp - 1) /
      (static_cast<double>(in.train.virtual_pipeline_stages) * static_cast<double>(in.shape.micro_batches));
  auto step = [&](double compute, double& bubble) {
    const double cp = cp_exposed(compute);
    bubble = bubble_fraction * (compute + e.tp_s + cp + e.ep_s);
    return compute + e.tp_s + cp + e.ep_s + e.pp_s + e.dp_s + e.zero_s + bubble;
  };
  e.step_s = step(e.compute_s, e.bubble_s);
  e.cp_s = cp_exposed(e.compute_s);
  e.ceiling_step_s = step(e.compute_at_peak_s, e.bubble_at_peak_s);
  e.mfu = e.model_flops / (e.gpus * peak * e.step_s);
  e.mfu_ceiling = e.model_flops / (e.gpus * peak * e.ceiling_step_s);
  e.hfu = e.hardware_flops / (e.gpus * peak * e.step_s);
  e.tflops_per_gpu = e.model_flops / e.gpus / e.step_s / 1e12;
  e.tokens_per_s = global * s / e.step_s;
  e.memory = memory_per_gpu(in);
  e.hbm_bytes = gpu.hbm_gib * (1ULL << 30);
  e.fits = e.memory.total() <= e.hbm_bytes * (1 - o.hbm_reserve);
  return e;
}

}  // namespace meshbench::plan
