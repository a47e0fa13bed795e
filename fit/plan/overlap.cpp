#include "fit/plan/overlap.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "patterns/model_config.hpp"

namespace meshbench::plan {

namespace {

struct FrameworkEntry {
  Framework framework;
  const char* name;
};

constexpr FrameworkEntry kFrameworks[] = {{Framework::kMegatronLm, "megatron-lm"},
                                          {Framework::kMegatronBridge, "megatron-bridge"},
                                          {Framework::kFsdp, "fsdp"},
                                          {Framework::kDeepSpeed, "deepspeed"},
                                          {Framework::kDdp, "ddp"}};

bool interleaved(const TrainingConfig& t, const MeshSizes& layout) {
  return layout[MeshAxis::kPp] > 1 && t.virtual_pipeline_stages > 1;
}

bool tp_overlap_possible(const TrainingConfig& t, const MeshSizes& layout) {
  return layout[MeshAxis::kTp] > 1 && t.sequence_parallel;
}

}  // namespace

std::string framework_name(Framework f) {
  for (const FrameworkEntry& e : kFrameworks) {
    if (e.framework == f) return e.name;
  }
  return "unknown";
}

std::vector<std::string> framework_names() {
  std::vector<std::string> names;
  for (const FrameworkEntry& e : kFrameworks) names.emplace_back(e.name);
  return names;
}

Framework parse_framework(const std::string& name, const std::string& flag) {
  for (const FrameworkEntry& e : kFrameworks) {
    if (name == e.name) return e.framework;
  }
  if (name == "nemo") return Framework::kMegatronBridge;
  if (name == "megatron-core" || name == "megatron") return Framework::kMegatronLm;
  std::string known;
  for (const std::string& n : framework_names()) known += (known.empty() ? "" : ", ") + n;
  throw ConfigError(fmt::format("{}: unknown framework '{}' (known: {})", flag, name, known));
}

OverlapSettings framework_overlap(Framework f, const TrainingConfig& t, const MeshSizes& layout) {
  OverlapSettings o;
  switch (f) {
    case Framework::kMegatronLm:
      o.p2p = interleaved(t, layout);
      break;
    case Framework::kMegatronBridge:
      o.grad_reduce = true;
      o.param_gather = t.zero_stage >= 1;
      o.tp = tp_overlap_possible(t, layout);
      o.p2p = interleaved(t, layout);
      break;
    case Framework::kFsdp:
    case Framework::kDdp:
      o.grad_reduce = true;
      break;
    case Framework::kDeepSpeed:
      o.grad_reduce = t.zero_stage == 3;
      break;
  }
  return o;
}

double framework_bucket_bytes(Framework f, const OverlapSettings& o, long long dp, int grad_bytes) {
  const double g = grad_bytes;
  switch (f) {
    case Framework::kMegatronLm:
      // One bucket holds everything without overlap (a finite stand-in for no bucketing).
      return o.grad_reduce ? std::max(40e6, 1e6 * static_cast<double>(dp)) * g
                           : std::numeric_limits<double>::max();
    case Framework::kMegatronBridge:
      return 128.0 * 1024 * 1024 * g;
    case Framework::kDeepSpeed:
      return 5e8 * g;
    case Framework::kFsdp:
    case Framework::kDdp:
      break;
  }
  return 25.0 * 1024 * 1024;
}

OverlapSettings best_overlap(const TrainingConfig& t, const MeshSizes& layout) {
  OverlapSettings o;
  o.tp = tp_overlap_possible(t, layout);
  o.grad_reduce = true;
  o.param_gather = true;
  o.p2p = layout[MeshAxis::kPp] > 1;
  return o;
}

OverlapSettings OverlapChoice::resolve(const TrainingConfig& t, const MeshSizes& layout) const {
  OverlapSettings o = framework_overlap(framework, t, layout);
  if (tp) o.tp = *tp && tp_overlap_possible(t, layout);
  if (grad_reduce) o.grad_reduce = *grad_reduce;
  if (param_gather) o.param_gather = *param_gather;
  if (p2p) o.p2p = *p2p && layout[MeshAxis::kPp] > 1;
  return o;
}

std::string OverlapChoice::describe(const TrainingConfig& t, const MeshSizes& layout) const {
  const OverlapSettings o = resolve(t, layout);
  std::string on;
  const std::pair<bool, const char*> parts[] = {{o.tp, "tp"},
                                                {o.grad_reduce, "grad-reduce"},
                                                {o.param_gather && t.zero_stage >= 1, "param-gather"},
                                                {o.p2p, "p2p"}};
  for (const auto& [set, name] : parts) {
    if (set) on += fmt::format("{}{}", on.empty() ? "" : ", ", name);
  }
  return fmt::format("{} defaults{}: {} overlapped{}", framework_name(framework),
                     (tp || grad_reduce || param_gather || p2p) ? " with overrides" : "",
                     on.empty() ? "nothing" : on,
                     t.zero_stage == 3 ? "; ZeRO-3 layer gathers prefetched" : "");
}

namespace {

/// Seconds per step of `rows` (calls x seconds per call) where `keep` holds.
template <typename Pred>
double sum_rows(const std::vector<TrafficRow>& rows, const std::vector<double>& call_s, Pred keep) {
  double t = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (keep(rows[i])) t += call_s[i] * static_cast<double>(rows[i].calls_per_step);
  }
  return t;
}

/// The shortest call among `rows` where `keep` holds (0 when none): one bucket's time.
template <typename Pred>
double shortest_call(const std::vector<TrafficRow>& rows, const std::vector<double>& call_s, Pred keep) {
  double t = 0;
  bool any = false;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (!keep(rows[i]) || rows[i].calls_per_step == 0) continue;
    t = any ? std::min(t, call_s[i]) : call_s[i];
    any = true;
  }
  return t;
}

/// What a chain of per-layer transfers leaves exposed when each is prefetched behind the
/// previous layer's compute: the first whole, the rest beyond the compute of the layers before
/// the last (uniform layers: sum over layers of max(0, transfer - compute) in one go).
double prefetched(double transfer_s, double compute_s, double layers, double first_s) {
  if (transfer_s <= 0) return 0;
  const double hideable = compute_s * std::max(0.0, layers - 1) / std::max(1.0, layers);
  return std::min(transfer_s, first_s + std::max(0.0, transfer_s - first_s - hideable));
}

}  // namespace

double exposed_seconds(const std::vector<TrafficRow>& rows, const std::vector<double>& call_s,
                       const OverlapSettings& o, const HidingCompute& c, int pp) {
  if (rows.empty()) return 0;
  const std::string& axis = rows.front().axis;
  const double all = sum_rows(rows, call_s, [](const TrafficRow&) { return true; });
  const double m = static_cast<double>(std::max(1LL, c.micro_batches));
  const double layers = static_cast<double>(std::max(1LL, c.stage_layers));
  if (axis == "tp") {
    const double fixed = sum_rows(rows, call_s, [](const TrafficRow& r) { return !r.overlappable; });
    return o.tp ? fixed + std::max(0.0, all - fixed - c.linear_s) : all;
  }
  if (axis == "pp") {
    if (!o.p2p) return all;
    // Fill and drain: the first micro-batch's activation crosses pp - 1 boundaries forward
    // and its gradient as many backward before every stage is busy.
    const double per_call = shortest_call(rows, call_s, [](const TrafficRow&) { return true; });
    return std::min(all, 2.0 * (pp - 1) * per_call);
  }
  auto is = [](const char* phase, CollectiveOp op) {
    return [=](const TrafficRow& r) { return r.phase == phase && r.op == op; };
  };
  if (axis == "zero" || axis == "dp") {
    // ZeRO-3 / FSDP: per layer, every micro-batch.
    const double fwd = sum_rows(rows, call_s, [](const TrafficRow& r) { return r.phase == "fwd"; });
    const double bwd = sum_rows(rows, call_s, [](const TrafficRow& r) { return r.phase == "bwd"; });
    double exposed = 0;
    if (fwd > 0) {
      exposed += m * prefetched(fwd / m, c.forward_s / m, layers, fwd / m / layers);
    }
    if (bwd > 0) {
      const double last_rs = shortest_call(rows, call_s, is("bwd", CollectiveOp::kReduceScatter));
      exposed += m * prefetched(bwd / m, c.backward_s / m, layers, last_rs);
    }
    // Once a step: gradients (all-reduce or reduce-scatter) behind the last micro-batch's
    // backward, ZeRO-1/2 parameters behind the next step's first forward.
    auto grads = [](const TrafficRow& r) {
      return r.phase == "step" && r.op != CollectiveOp::kAllGather;
    };
    const double g = sum_rows(rows, call_s, grads);
    if (g > 0) {
      exposed += o.grad_reduce ? std::max(shortest_call(rows, call_s, grads), g - c.backward_s / m) : g;
    }
    const double p = sum_rows(rows, call_s, is("step", CollectiveOp::kAllGather));
    if (p > 0) {
      exposed += o.param_gather
                     ? std::max(shortest_call(rows, call_s, is("step", CollectiveOp::kAllGather)),
                                p - c.forward_s / m)
                     : p;
    }
    return std::min(all, exposed);
  }
  return all;
}

}  // namespace meshbench::plan
