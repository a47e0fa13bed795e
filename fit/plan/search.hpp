#pragma once
// Layout search: every layout of a model on N GPUs that divides, fits in memory, ranked by the
// MFU estimate; and the layout the simple decision tree would pick.

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "fit/plan/estimate.hpp"

namespace meshbench::plan {

struct Candidate {
  TrafficInputs inputs;
  StepEstimate estimate;
  std::string label() const;  ///< "tp=8,pp=4,dp=32 mb=1 vpp=2 selective zero1"
};

struct SearchResult {
  std::vector<Candidate> ranked;  ///< fitting layouts, best MFU estimate first
  long long enumerated = 0;       ///< layouts that divide
  long long over_memory = 0;      ///< of those, how many did not fit
  /// The least memory any enumerated layout needed (when none fit); infinity when none divides.
  double smallest_memory_gib = std::numeric_limits<double>::infinity();
};

/// Enumerates tp (powers of two dividing heads and KV heads; beyond one node allowed), cp
/// (powers of two, seq % 2cp, at least 4k tokens per rank), ep (powers of two dividing the experts), pp (divisors of the
/// layers), dp = rest, micro-batch 1/2/4/8, vpp, recomputation none < selective < full (the
/// next only when the previous does not fit) and ZeRO 1, then 3 (likewise). `base` carries the
/// training flags (sequence, global batch, dtype...).
SearchResult search_layouts(const ModelConfig& model, const TrainingConfig& base, int gpus,
                            const GpuSpec& gpu, int gpus_per_node, const CommCost& cost,
                            const PlanOptions& options);

/// The chapter's simple decision tree: data parallel if it fits; else ZeRO-3 sharding; else TP
/// inside a node (smallest that fits); else PP across nodes with TP = a node; CP for long
/// context (seq >= 32k) when still needed. nullopt when it finds nothing that fits.
std::optional<Candidate> decision_tree(const ModelConfig& model, const TrainingConfig& base,
                                       int gpus, const GpuSpec& gpu, int gpus_per_node,
                                       const CommCost& cost, const PlanOptions& options,
                                       std::vector<std::string>& steps);

/// Why `c` is slower than `best`: the step-time components where it loses most, in words.
std::string why_slower(const Candidate& c, const Candidate& best);

}  // namespace meshbench::plan
