#pragma once
// Baselines of `meshbench accept` (schema meshbench.baseline/1, results/README.md): the figures
// of a known-good run of the same cluster, per check and per group (node, rail or all ranks),
// and the rule that fails what falls below them. Fleet health checks work this way (Microsoft
// SuperBench's rule-based baselines, Azure's and Meta's node health checks): an absolute floor
// catches a broken link, a baseline catches a node a few percent slower than it was.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace meshbench {

/// One group's figures for one check: the value of each attempt (busbw GB/s or p50 us) and
/// the spread they span.
struct GroupFigures {
  std::vector<double> attempts;
  double median = 0;         ///< of attempts
  double low = 0, high = 0;  ///< lowest and highest attempt
};

/// One check of a baseline: its value's unit and each group's figures, keyed by group name
/// ("node HOST", "rail R", "all").
struct BaselineCheck {
  std::string unit;  ///< "busbw_GBps" (higher is better) or "time_us_p50" (lower is better)
  std::map<std::string, GroupFigures> groups;  ///< empty when skipped
  std::string skipped;  ///< why the baseline run skipped the check ("" when measured)
};

struct Baseline {
  std::string file;  ///< where it was read from (for messages)
  int world_size = 0, nodes = 0, ranks_per_node = 0;
  std::vector<std::string> hosts;
  std::string created;  ///< ISO 8601 UTC
  std::map<std::string, BaselineCheck> checks;  ///< by check name
};

/// The figures of `attempts` (values). Throws std::invalid_argument when empty.
GroupFigures group_figures(const std::vector<double>& attempts);

/// A baseline as JSON (meshbench.baseline/1).
nlohmann::json baseline_json(const Baseline& baseline);

/// Reads a baseline file. Throws InputError naming the file and key.
Baseline read_baseline(const std::string& file);

/// The figures a group is judged against: its own, or for a node the baseline has never seen (a
/// replaced node) the median node's (`fleet` true). nullopt when the check has no such group.
struct BaselineReference {
  GroupFigures figures;
  bool fleet = false;
};
std::optional<BaselineReference> baseline_reference(const BaselineCheck& check,
                                                    const std::string& group);

/// The baseline rule: a value fails when it is worse than the baseline median by more than
/// `max_drop` (a fraction: busbw below median x (1 - max_drop), time above median /
/// (1 - max_drop)) AND outside the spread the baseline run measured (below its low, above its
/// high). Both, so that neither a tight margin on a noisy check nor a wide spread on a slow
/// one alone decides.
bool below_baseline(double value, const GroupFigures& base, bool higher_is_better,
                    double max_drop);

}  // namespace meshbench
