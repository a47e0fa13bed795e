#include "fit/plan/estimate.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "patterns/collective_cost.hpp"
#include "patterns/model_config.hpp"

namespace meshbench::plan {
namespace {

class SpecSheetCost final : public CommCost {
 public:
  explicit SpecSheetCost(ClusterSpec c) : c_(std::move(c)) {}
  CallCost call(CollectiveOp op, double bytes, const GroupShape& g) const override {
    const AlgorithmSteps s = algorithm_steps(op, default_algorithm(op), g.ranks);
    if (g.nodes <= 1) {
      return {s.alpha_steps * c_.intra.alpha_us + s.beta_fraction * bytes / (c_.intra.bw_GBps * 1e3), ""};
    }
    // Across nodes each of the group's ranks on a node drives its own NIC: NCCL's channels
    // cross between nodes on every rail, so a node's share of the ring (or tree) traffic is
    // spread over as many NICs as the group has ranks there, up to what NVLink carries
    // (nccl-tests on 2 x 8 H100 with 8 x 25 GB/s NICs reach 338 GB/s all-reduce busbw:
    // shared/data/nccl-tests, A3 Mega).
    const double ranks_per_node = std::max(1.0, static_cast<double>(g.ranks) / g.nodes);
    const double bw = std::min(c_.intra.bw_GBps, ranks_per_node * c_.inter.bw_GBps);
    return {s.alpha_steps * c_.inter.alpha_us + s.beta_fraction * bytes / (bw * 1e3), ""};
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
auto total_of(Estimate& e, std::string_view axis) -> decltype(&e.pp_total_s) {
  if (axis == "tp") return &e.tp_total_s;
  if (axis == "pp") return &e.pp_total_s;
  if (axis == "dp") return &e.dp_total_s;
  if (axis == "zero") return &e.zero_total_s;
  if (axis == "cp") return &e.cp_total_s;
  if (axis == "ep") return &e.ep_total_s;
  if (axis == "emb") return &e.emb_total_s;
  return nullptr;
}

}  // namespace

double StepEstimate::total_s(std::string_view axis) const {
  const double* total = total_of(*this, axis);
  return total ? *total : -1;
}

GroupPlacement axis_placement(const MeshSizes& layout, const std::vector<MeshAxis>& axes,
                              int gpus_per_node, const MeshOrder& order) {
  // Group 0 of the mesh in `order`, placed on nodes in blocks of gpus_per_node: the same
  // DeviceMesh and classify_group that meshbench's groups come from (patterns/mesh.hpp).
  const DeviceMesh mesh(layout, order, layout.product());
  return classify_group(mesh.group_of(0, axes), gpus_per_node);
}

int nodes_spanned(const MeshSizes& layout, const std::vector<MeshAxis>& axes, int gpus_per_node) {
  return axis_placement(layout, axes, gpus_per_node).nodes;
}

std::vector<double> stage_forward_flops(const TrafficInputs& in) {
  const int pp = in.layout[MeshAxis::kPp];
  const ModelConfig& m = in.model;
  // Forward FLOPs per token of one layer of each kind (matmul + attention, as model_flops).
  const double attention = layer_attention_flops_per_token(m, static_cast<double>(in.train.seq_length));
  auto layer_flops = [&](bool moe) {
    const long long i = m.first_layer_of_kind(moe);
    return i < 0 ? 0.0 : 2 * m.layer_active_matmul_params(i) + attention;
  };
  const double dense = layer_flops(false), moe = layer_flops(true);
  const double logits = 2 * static_cast<double>(m.vocab_size) * static_cast<double>(m.hidden_size);
  std::vector<double> out;
  for (int st = 0; st < pp; ++st) {
    const StageLayers l = stage_layers(m, in.shape.split, st);
    out.push_back(static_cast<double>(l.dense) * dense + static_cast<double>(l.moe) * moe +
                  (st == pp - 1 ? logits : 0));
  }
  return out;
}

double pipeline_pace_factor(const TrafficInputs& in) {
  const int pp = in.layout[MeshAxis::kPp];
  if (pp < 2) return 1;
  const std::vector<double> w = stage_forward_flops(in);
  double total = 0;
  for (double x : w) total += x;
  const double slowest = *std::max_element(w.begin(), w.end());
  return total > 0 ? slowest * pp / total : 1;
}

namespace {

/// Seconds per GPU per step of `flops` (global) at the given rates, at the pace factor.
double compute_seconds(const HardwareFlops& flops, double linear_flops_per_s,
                       double other_flops_per_s, int gpus, double pace) {
  return (flops.linear / linear_flops_per_s + flops.other / other_flops_per_s) / gpus * pace;
}

/// An axis's traffic rows and the seconds per call of each.
using AxisRows = std::map<std::string, std::pair<std::vector<TrafficRow>, std::vector<double>>>;

/// All of `axis`'s communication in `priced`, seconds per step (calls x seconds per call).
double priced_total(const AxisRows& priced, const char* axis) {
  const auto it = priced.find(axis);
  double t = 0;
  if (it == priced.end()) return t;
  for (std::size_t i = 0; i < it->second.first.size(); ++i) {
    t += it->second.second[i] * static_cast<double>(it->second.first[i].calls_per_step);
  }
  return t;
}

/// Prices every row with `cost` for its group's placement, grouped by axis; when `e` is given,
/// also adds up each axis's total, the cost notes and the nodes TP spans there.
AxisRows price_rows(const TrafficInputs& in, const std::vector<TrafficRow>& rows, int gpus_per_node,
                    const CommCost& cost, StepEstimate* e) {
  AxisRows by_axis;
  const int gpus = in.layout.product();
  for (const TrafficRow& r : rows) {
    const GroupPlacement place = axis_placement(in.layout, r.group_axes, gpus_per_node, in.order);
    // All groups of the axis run at once: a node's GPUs are split among them.
    const int on_node = std::min(gpus_per_node, gpus);
    // The pipeline's ends are two ranks, on two nodes when the pipeline crosses nodes.
    const int concurrent = std::max(1, on_node / std::max(1, place.ranks_per_node));
    const GroupShape shape = r.pipeline_ends ? GroupShape{2, std::min(2, place.nodes), concurrent}
                                             : GroupShape{r.group_size, place.nodes, concurrent};
    const CallCost c = cost.call(r.op, r.bytes_per_call, shape);
    if (e) {
      if (!c.note.empty()) {
        auto& notes = e->cost_notes[r.axis];
        if (std::find(notes.begin(), notes.end(), c.note) == notes.end()) notes.push_back(c.note);
      }
      if (double* total = total_of(*e, r.axis)) {
        *total += c.time_us * 1e-6 * static_cast<double>(r.calls_per_step);
      }
      if (r.axis == "tp") e->tp_nodes = std::max(e->tp_nodes, place.nodes);
    }
    auto& [axis_rows, call_s] = by_axis[r.axis];
    axis_rows.push_back(r);
    call_s.push_back(c.time_us * 1e-6);
  }
  return by_axis;
}

/// Fills `e`'s efficiencies, FLOPs, MFU peak, pace factor and compute times (at peak and as
/// estimated, the memory-bound work included) for `in` on `gpu`, `global` sequences of `s`
/// tokens per step; returns the share of the
/// estimated compute time the linear GEMMs take (what TP overlap hides behind). Throws
/// ConfigError for fp8 on a GPU without it or an efficiency outside (0, 1].
double price_compute(const TrafficInputs& in, const GpuSpec& gpu, const PlanOptions& o, double global,
                     double s, StepEstimate& e) {
  e.fp8 = in.train.fp8;
  if (e.fp8 && gpu.peak_fp8_tflops <= 0) {
    throw ConfigError(fmt::format("--fp8-format: {} has no fp8 tensor cores", gpu.name));
  }
  e.matmul_efficiency = o.matmul_efficiency > 0 ? o.matmul_efficiency : gpu.matmul_efficiency;
  if (e.fp8) {
    e.fp8_matmul_efficiency = o.fp8_matmul_efficiency > 0
                                  ? o.fp8_matmul_efficiency
                                  : fp8_matmul_efficiency(gpu, e.matmul_efficiency);
  }
  // Fractions of a peak: above 1 the estimate would pass the ceiling.
  for (const auto& [name, value] : {std::pair<const char*, double>{"matmul efficiency", e.matmul_efficiency},
                                    {"fp8 matmul efficiency", e.fp8 ? e.fp8_matmul_efficiency : 1.0}}) {
    if (!(value > 0 && value <= 1)) {
      throw ConfigError(fmt::format("{} {} of {} is no fraction of its peak in (0, 1]", name, value, gpu.name));
    }
  }
  e.model_flops = model_flops(in.model, global, s);
  const HardwareFlops flops = hardware_flops_by_kind(in.model, global, s, in.train.recompute);
  e.hardware_flops = flops.total();
  const double bf16 = gpu.peak_bf16_tflops * 1e12;
  const double linear_peak = e.fp8 ? gpu.peak_fp8_tflops * 1e12 : bf16;
  const double linear_eff = e.fp8 ? e.fp8_matmul_efficiency : e.matmul_efficiency;
  e.mfu_peak_tflops = o.mfu_peak_tflops > 0 ? o.mfu_peak_tflops : gpu.peak_bf16_tflops;
  e.pace_factor = pipeline_pace_factor(in);
  e.compute_at_peak_s = compute_seconds(flops, linear_peak, bf16, e.gpus, e.pace_factor);
  e.compute_s = compute_seconds(flops, linear_peak * linear_eff, bf16 * e.matmul_efficiency,
                                e.gpus, e.pace_factor);
  const double linear_time_share =
      flops.linear / (linear_peak * linear_eff) /
      (flops.linear / (linear_peak * linear_eff) + flops.other / (bf16 * e.matmul_efficiency));
  const double passes = o.elementwise_passes >= 0 ? o.elementwise_passes : elementwise_passes();
  if (passes > 0 && gpu.hbm_tb_per_s > 0) {
    // The fullest stage's layers, every micro-batch; full recomputation reruns the forward's
    // share (a third) once more.
    const double layers = static_cast<double>(in.shape.stage_layers.dense + in.shape.stage_layers.moe);
    const double recompute = in.train.recompute == Recompute::kFull ? 4.0 / 3.0 : 1.0;
    e.elementwise_passes = passes;
    e.elementwise_s = passes * layer_elementwise_bytes(in) * layers *
                      static_cast<double>(in.shape.micro_batches) * recompute / (gpu.hbm_tb_per_s * 1e12);
    e.compute_s += e.elementwise_s;
  }

  return linear_time_share;
}

/// Every pipeline stage's report and the bottleneck stage into `e` (pp > 1), and the fullest
/// stage's memory (memory_per_gpu's answer, from the same per-stage figures); compute_s is the
/// slowest stage's, the others scale by their share of its FLOPs.
void report_stages(const TrafficInputs& in, StepEstimate& e) {
  const int pp = in.layout[MeshAxis::kPp];
  const std::vector<double> w = stage_forward_flops(in);
  const double slowest = *std::max_element(w.begin(), w.end());
  for (int st = 0; st < pp; ++st) {
    StageReport r;
    r.stage = st;
    r.layers = stage_layers(in.model, in.shape.split, st);
    r.embedding = st == 0;
    r.output_layer = st == pp - 1;
    r.compute_s = slowest > 0 ? e.compute_s * w[static_cast<std::size_t>(st)] / slowest : 0;
    const MemoryBreakdown memory = stage_memory_per_gpu(in, st);
    r.memory_gib = memory.total() / (1 << 30);
    if (st == 0 || memory.total() > e.memory.total()) e.memory = memory;
    e.stages.push_back(r);
  }
  // The first stage with the most FLOPs (ties: the earliest).
  e.bottleneck_stage = static_cast<int>(std::max_element(w.begin(), w.end()) - w.begin());
}

}  // namespace

StepEstimate estimate_step(const TrafficInputs& in, const GpuSpec& gpu, int gpus_per_node,
                           const CommCost& cost, const PlanOptions& o) {
  StepEstimate e;
  e.gpus = in.layout.product();
  e.gpus_per_node = gpus_per_node;
  const double global = static_cast<double>(in.shape.micro_batches * in.train.micro_batch_size *
                                            in.layout[MeshAxis::kDp]);
  const double s = static_cast<double>(in.train.seq_length);
  const double linear_time_share = price_compute(in, gpu, o, global, s, e);
  const double mfu_peak = e.mfu_peak_tflops * 1e12;

  // Every row priced once; rows grouped by axis for the overlap model.
  const AxisRows by_axis = price_rows(in, step_traffic(in), gpus_per_node, cost, &e);
  // The ceiling's traffic: gradients reduced in the parameters' dtype, the least any run of
  // the layout moves (the reduction dtype is a training choice, not the layout's).
  TrafficInputs lean = in;
  lean.train.grad_reduce_bytes = std::min(in.train.grad_reduce_bytes, in.train.dtype_bytes);
  const AxisRows lean_rows = lean.train.grad_reduce_bytes == in.train.grad_reduce_bytes
                                 ? by_axis
                                 : price_rows(lean, step_traffic(lean), gpus_per_node, cost, nullptr);

  const int pp = in.layout[MeshAxis::kPp];
  const double forward_share = e.model_flops / 3 / e.hardware_flops;
  auto hiding = [&](double compute) {
    HidingCompute h;
    h.forward_s = compute * forward_share;
    h.backward_s = compute - h.forward_s;
    h.micro_batches = in.shape.micro_batches;
    h.stage_layers = std::max(1LL, in.shape.stage_layers.dense + in.shape.stage_layers.moe);
    h.linear_s = compute * linear_time_share;
    return h;
  };
  // Ring attention hides its K/V exchange behind the attention compute (its share of the
  // layers' FLOPs, forward and backward alike).
  const ForwardFlopsPerToken f = forward_flops_per_token(in.model, s);
  const double attention_share = f.attention / (f.matmul + f.attention);
  const double bubble_fraction =
      static_cast<double>(pp - 1) /
      (static_cast<double>(in.train.virtual_pipeline_stages) * static_cast<double>(in.shape.micro_batches));
  // Exposed communication of every axis and the step, for one compute time and overlap.
  struct Exposed { double tp = 0, pp = 0, dp = 0, zero = 0, cp = 0, ep = 0, emb = 0, bubble = 0, step = 0; };
  auto price = [&](double compute, const OverlapSettings& overlap, const AxisRows& priced) {
    Exposed x;
    const HidingCompute h = hiding(compute);
    auto axis = [&](const char* name) {
      const auto it = priced.find(name);
      return it == priced.end() ? 0.0
                                : exposed_seconds(it->second.first, it->second.second, overlap, h, pp);
    };
    x.tp = axis("tp");
    x.pp = axis("pp");
    x.dp = axis("dp");
    x.zero = axis("zero");
    x.ep = axis("ep");
    x.emb = axis("emb");
    x.cp = std::max(0.0, e.cp_total_s - attention_share * compute);
    // One compute to hide behind: what all axes hide together is at most the compute itself
    // (each axis's rule above only knows its own part of the step); the excess shows again,
    // shared out in proportion to what each axis hid.
    double* exposed[] = {&x.tp, &x.pp, &x.dp, &x.zero, &x.cp};
    const double totals[] = {priced_total(priced, "tp"), priced_total(priced, "pp"),
                             priced_total(priced, "dp"), priced_total(priced, "zero"), e.cp_total_s};
    double hidden = 0;
    for (int i = 0; i < 5; ++i) hidden += std::max(0.0, totals[i] - *exposed[i]);
    if (hidden > compute && hidden > 0) {
      const double back = (hidden - compute) / hidden;
      for (int i = 0; i < 5; ++i) *exposed[i] += back * std::max(0.0, totals[i] - *exposed[i]);
    }
    x.bubble = bubble_fraction * (compute + x.tp + x.cp + x.ep);
    x.step = compute + x.tp + x.cp + x.ep + x.pp + x.dp + x.zero + x.emb + x.bubble;
    return x;
  };
  const OverlapSettings framework = o.overlap.resolve(in.train, in.layout);
  e.overlap = o.overlap.describe(in.train, in.layout);
  const Exposed est = price(e.compute_s, framework, by_axis);
  e.tp_s = est.tp;
  e.pp_s = est.pp;
  e.dp_s = est.dp;
  e.zero_s = est.zero;
  e.cp_s = est.cp;
  e.ep_s = est.ep;
  e.emb_s = est.emb;
  e.bubble_s = est.bubble;
  e.step_s = est.step;
  const Exposed best = price(e.compute_at_peak_s, best_overlap(in.train, in.layout), lean_rows);
  // The best overlap with compute at peak is never slower than the framework's with compute
  // as estimated; the min keeps the ceiling a bound where the per-axis rules approximate.
  e.ceiling_step_s = std::min(best.step, est.step);
  e.mfu = e.model_flops / (e.gpus * mfu_peak * e.step_s);
  e.mfu_ceiling = e.model_flops / (e.gpus * mfu_peak * e.ceiling_step_s);
  e.hfu = e.hardware_flops / (e.gpus * mfu_peak * e.step_s);
  e.tflops_per_gpu = e.model_flops / e.gpus / e.step_s / 1e12;
  e.tokens_per_s = global * s / e.step_s;
  if (pp > 1) {
    report_stages(in, e);
  } else {
    e.memory = memory_per_gpu(in);
  }
  e.hbm_bytes = gpu.hbm_gib * (1ULL << 30);
  e.fits = e.memory.total() <= e.hbm_bytes * (1 - o.hbm_reserve);
  return e;
}

}  // namespace meshbench::plan
