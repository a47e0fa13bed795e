#pragma once
// The expectations file of `meshbench accept` (schema meshbench.expect/1, results/README.md):
// which checks to run, on which groups, and the absolute thresholds they must meet.

#include <cstdint>
#include <map>
#include <set>
#include <optional>
#include <string>
#include <vector>

#include "bench/harness.hpp"
#include "patterns/collective.hpp"
#include "patterns/traffic.hpp"

namespace meshbench {

/// Which ranks one collective check runs on, all groups at once:
///  - kNode: the ranks of each node (intra tier; every node alone, all nodes together);
///  - kRail: local rank r of every node, for each r (inter tier; NCCL_TESTS_SPLIT="MOD g"
///    in nccl-tests' terms);
///  - kAll: every rank of the job (inter tier).
enum class CheckScope { kNode, kRail, kAll };

/// "node", "rail" or "all".
const char* scope_name(CheckScope scope);

struct CollectiveExpectation {
  CollectiveOp op = CollectiveOp::kAllReduce;
  CheckScope scope = CheckScope::kNode;
  std::uint64_t bytes = 0;  ///< nccl-tests size convention (bench/collectives)
  std::optional<double> min_busbw_GBps, max_time_us;  ///< absolute floors; per group
  /// This check's margin below the baseline (a fraction in (0, 1)); absent: --max-drop.
  std::optional<double> max_drop;
  /// The check's name in reports and baselines: "OP SCOPE SIZE", e.g. "all_reduce rail 1 MiB".
  std::string name() const;
  /// True when the check's value is a busbw (higher is better), false for a p50 time: busbw
  /// when min_busbw_GBps is given, time when only max_time_us is; with neither (a baseline
  /// check), busbw from kBusbwFromBytes up, where bandwidth and not latency sets the time.
  bool judged_by_busbw() const;
  static constexpr std::uint64_t kBusbwFromBytes = 64 * 1024;
};

struct PairsExpectation {
  bool enabled = false;
  std::uint64_t latency_bytes = 8, bandwidth_bytes = 1 << 20;
  int iters = 5;
  double min_fraction_of_median = 0.9;
  std::optional<double> max_latency_us;
};

/// The per-axis traffic of one training step of a model and layout (`meshbench pattern`'s units,
/// bench/pattern_units.hpp), each axis's time per step checked against a maximum and/or the
/// baseline.
struct PatternsExpectation {
  bool enabled = false;
  TrafficInputs inputs;            ///< model, layout and training settings, validated
  std::string model_label;         ///< the model as the file names it (a preset, or a file name)
  std::string order = "megatron";  ///< mesh order (patterns/mesh.hpp)
  double scale = 1.0;              ///< every message size times this, in (0, 1]
  std::map<std::string, double> max_step_ms;  ///< by axis (tp, cp, ep, pp, dp, zero)
  std::set<std::string> axes;  ///< the axes with traffic in a step: one check each
  /// The check's name of an axis: "pattern AXIS MODEL LAYOUT", e.g. "pattern tp llama3-8b tp=2,dp=4".
  std::string name(const std::string& axis) const;
};

struct Expectations {
  MeasureSettings measure;  ///< adaptive unless the file gives "iters" (then exactly that)
  int repeats = 3;
  double timeout_s = 60;
  /// Bisection: a half is the slow one when its busbw is below this fraction of the other
  /// half's (or its time above other / fraction).
  double bisect_min_fraction = 0.9;
  std::vector<CollectiveExpectation> collectives;
  PairsExpectation pairs;
  PatternsExpectation patterns;
};

/// Reads an expectations file. A collective needs a threshold (`min_busbw_GBps` and/or
/// `max_time_us`) unless `thresholds_optional` (a baseline is given or written). `scope` may be
/// given, or follows from `tier` (intra: node, inter: all); both given must agree (intra goes
/// with node only). `patterns.model` is a preset or a config.json path (relative paths are
/// tried against the file's folder first). Throws InputError "FILE: KEY: problem, got VALUE".
Expectations read_expectations(const std::string& file, bool thresholds_optional);

}  // namespace meshbench
