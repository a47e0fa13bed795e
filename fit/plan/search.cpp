#include "fit/plan/search.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

namespace meshbench::plan {
namespace {

/// Ring attention only where each rank keeps at least 4k tokens (8k sequences from cp = 2 on):
/// smaller blocks leave the attention kernels inefficient, which this model does not price.
constexpr long long kMinContextParallelTokensPerRank = 4096;

std::vector<int> powers_of_two_upto(int limit) {
  std::vector<int> out;
  for (int v = 1; v <= limit; v *= 2) out.push_back(v);
  return out;
}

/// Estimates a layout if it divides; nullopt otherwise.
std::optional<Candidate> try_layout(const ModelConfig& model, TrainingConfig t, MeshSizes layout,
                                    const GpuSpec& gpu, int gpn, const CommCost& cost,
                                    const PlanOptions& o) {
  try {
    t.sequence_parallel = layout[MeshAxis::kTp] > 1;
    Candidate c{make_traffic_inputs(model, t, layout), {}};
    c.estimate = estimate_step(c.inputs, gpu, gpn, cost, o);
    return c;
  } catch (const ConfigError&) {
    return std::nullopt;
  }
}

}  // namespace

std::string Candidate::label() const {
  return fmt::format("{} mb={} vpp={}{} {} zero{}", format_mesh_sizes(inputs.layout),
                     inputs.train.micro_batch_size, inputs.train.virtual_pipeline_stages,
                     inputs.train.embedding_in_split ? " emb+loss-in-split" : "",
                     recompute_name(inputs.train.recompute), inputs.train.zero_stage);
}

SearchResult search_layouts(const ModelConfig& model, const TrainingConfig& base, int gpus,
                            const GpuSpec& gpu, int gpn, const CommCost& cost,
                            const PlanOptions& o) {
  SearchResult out;
  const long long layers = model.num_layers;
  std::vector<int> eps = {1};
  if (model.is_moe()) eps = powers_of_two_upto(static_cast<int>(model.num_experts));
  for (int tp : powers_of_two_upto(gpus)) {
    if (tensor_parallel_violation(model, tp, "tp")) continue;
    for (int cp : powers_of_two_upto(gpus / tp)) {
      if (cp > 1 && base.seq_length % (2LL * cp)) continue;
      if (cp > 1 && base.seq_length / cp < kMinContextParallelTokensPerRank) continue;
      for (int ep : eps) {
        if (model.is_moe() && model.num_experts % ep) continue;
        if (gpus % (tp * cp * ep)) continue;
        for (int pp = 1; pp <= layers + 2 && pp <= gpus / (tp * cp * ep); ++pp) {
          if ((gpus / (tp * cp * ep)) % pp) continue;
          // Layers that do not divide over pp may with the embedding and loss counted as one
          // layer each (Megatron-Core's --account-for-embedding/loss-in-pipeline-split; how
          // Llama 3 405B puts 126 layers on 16 stages).
          const bool even = layers % pp == 0;
          if (!even && (pp == 1 || (layers + 2) % pp)) continue;
          const int dp = gpus / (tp * cp * ep * pp);
          MeshSizes layout;
          layout[MeshAxis::kTp] = tp;
          layout[MeshAxis::kCp] = cp;
          layout[MeshAxis::kEp] = ep;
          layout[MeshAxis::kPp] = pp;
          layout[MeshAxis::kDp] = dp;
          for (int mb : {1, 2, 4, 8}) {
            for (int v : {1, 2, 3, 4, 6, 8}) {
              const long long chunks = static_cast<long long>(pp) * v;
              if (v > 1 && (pp == 1 || (even ? layers % chunks : (layers + 2) % chunks))) continue;
              // More recomputation or sharding never runs faster: try the next only when the
              // previous does not fit.
              bool placed = false;
              for (int zero : {1, 3}) {
                for (Recompute r : {Recompute::kNone, Recompute::kSelective, Recompute::kFull}) {
                  TrainingConfig t = base;
                  t.micro_batch_size = mb;
                  t.virtual_pipeline_stages = v;
                  t.recompute = r;
                  t.zero_stage = zero;
                  t.embedding_in_split = t.loss_in_split = !even;
                  auto c = try_layout(model, t, layout, gpu, gpn, cost, o);
                  if (!c) break;  // does not divide (batch, vpp): no other setting will
                  ++out.enumerated;
                  if (!c->estimate.fits) {
                    ++out.over_memory;
                    out.smallest_memory_gib = std::min(out.smallest_memory_gib,
                                                       c->estimate.memory.total() / (1 << 30));
                    continue;
                  }
                  out.ranked.push_back(std::move(*c));
                  placed = true;
                  break;
                }
                if (placed) break;
              }
            }
          }
        }
      }
    }
  }
  std::sort(out.ranked.begin(), out.ranked.end(), [](const Candidate& a, const Candidate& b) {
    return a.estimate.mfu > b.estimate.mfu;
  });
  return out;
}

std::optional<Candidate> decision_tree(const ModelConfig& model, const TrainingConfig& base,
                                       int gpus, const GpuSpec& gpu, int gpn,
                                       const CommCost& cost, const PlanOptions& o,
                                       std::vector<std::string>& steps) {
  auto attempt = [&](int tp, int pp, int cp, int zero, Recompute r) -> std::optional<Candidate> {
    MeshSizes layout;
    layout[MeshAxis::kTp] = tp;
    layout[MeshAxis::kPp] = pp;
    layout[MeshAxis::kCp] = cp;
    if (gpus % (tp * pp * cp)) return std::nullopt;
    layout[MeshAxis::kDp] = gpus / (tp * pp * cp);
    TrainingConfig t = base;
    t.micro_batch_size = 1;
    t.virtual_pipeline_stages = 1;
    t.recompute = r;
    t.zero_stage = zero;
    auto c = try_layout(model, t, layout, gpu, gpn, cost, o);
    if (c && c->estimate.fits) return c;
    return std::nullopt;
  };
  const bool long_context = base.seq_length >= 32768;
  const std::vector<int> cps = long_context ? powers_of_two_upto(gpus) : std::vector<int>{1};
  for (int cp : cps) {
    if (cp > 1) steps.push_back(fmt::format("long context: try context parallelism cp={}", cp));
    if (auto c = attempt(1, 1, cp, 0, Recompute::kNone)) {
      steps.push_back("1. data parallel: the model fits on every GPU");
      return c;
    }
    if (auto c = attempt(1, 1, cp, 3, Recompute::kNone)) {
      steps.push_back("1. data parallel does not fit; 2. ZeRO-3 / FSDP sharding does");
      return c;
    }
    // Recomputation is part of making a step fit: selective first, full if needed.
    for (Recompute r : {Recompute::kSelective, Recompute::kFull}) {
      for (int tp = 2; tp <= gpn; tp *= 2) {
        if (auto c = attempt(tp, 1, cp, 1, r)) {
          steps.push_back(fmt::format("1-2. DP and sharding do not fit; 3. TP={} inside a node "
                                      "does ({} recomputation)", tp, recompute_name(r)));
          return c;
        }
      }
    }
    for (Recompute r : {Recompute::kSelective, Recompute::kFull}) {
      for (int pp = 2; pp <= model.num_layers; ++pp) {
        if (model.num_layers % pp) continue;
        if (auto c = attempt(gpn, pp, cp, 1, r)) {
          steps.push_back(fmt::format("1-3. DP, sharding and TP in a node do not fit; 4. PP={} "
                                      "across nodes with TP={} does ({} recomputation)", pp, gpn,
                                      recompute_name(r)));
          return c;
        }
      }
    }
  }
  steps.push_back("nothing the decision tree tries fits in memory");
  return std::nullopt;
}

std::string why_slower(const Candidate& c, const Candidate& best) {
  const StepEstimate &a = c.estimate, &b = best.estimate;
  const std::pair<const char*, double> deltas[] = {
      {"compute (recomputation)", a.compute_s - b.compute_s},
      {a.tp_nodes > 1 ? "TP (across nodes)" : "TP", a.tp_s - b.tp_s},
      {"PP bubble", a.bubble_s - b.bubble_s},
      {"PP send/recv", a.pp_s - b.pp_s},
      {"DP/ZeRO", a.dp_s + a.zero_s - b.dp_s - b.zero_s},
      {"CP", a.cp_s - b.cp_s},
      {"EP", a.ep_s - b.ep_s},
      {"tied-embedding grads", a.emb_s - b.emb_s}};
  std::vector<std::pair<const char*, double>> worse(std::begin(deltas), std::end(deltas));
  std::sort(worse.begin(), worse.end(), [](auto& x, auto& y) { return x.second > y.second; });
  std::string s;
  for (int i = 0; i < 2 && worse[static_cast<std::size_t>(i)].second > 1e-4 * b.step_s; ++i) {
    s += fmt::format("{}{} +{:.3g} s", s.empty() ? "" : ", ", worse[static_cast<std::size_t>(i)].first,
                     worse[static_cast<std::size_t>(i)].second);
  }
  return s.empty() ? "about the same" : s;
}

}  // namespace meshbench::plan
