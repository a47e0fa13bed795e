#pragma once
// The reports of `meshbench accept`: each check's verdict, what it measured and whom it blames,
// as report.md (for people) and junit.xml (for CI systems).

#include <filesystem>
#include <string>
#include <vector>

#include "bench/topology.hpp"

namespace meshbench {

/// One check's verdict, for the reports (world rank 0).
struct CheckResult {
  std::string name;
  bool passed = true, skipped = false;
  std::string detail;               ///< threshold, spread, or why skipped
  std::vector<double> attempts;     ///< the check's value (its worst group) in each attempt
  std::vector<std::string> blame;   ///< nodes, links, rails or ranks
  std::vector<std::string> notes;   ///< per-group figures, bisection rounds: report.md only
};

/// "FAIL" when a check failed, "NOTHING CHECKED" when every check was skipped (a run that
/// measured nothing has not passed), "PASS" otherwise.
std::string verdict_of(const std::vector<CheckResult>& checks);

/// "N attempt(s): min A, median B, max C UNIT" (empty for no values).
std::string spread_text(const std::vector<double>& values, const char* unit);

/// Writes report.md and junit.xml of the checks so far into `dir`; `interrupted`: the run was
/// stopped by a signal before its last check (verdict INTERRUPTED).
void write_accept_reports(const std::filesystem::path& dir, const std::vector<CheckResult>& checks,
                          const Topology& topo, bool interrupted = false);

}  // namespace meshbench
