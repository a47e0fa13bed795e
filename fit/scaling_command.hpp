#pragma once
// `meshfit scaling --profile P TABLE...`: a profile's predictions against measurements taken at
// another scale (fit/scaling_check.hpp), size by size, with the median and worst error.

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "fit/importers/import.hpp"

namespace meshbench::fit {

struct ScalingOptions {
  std::string profile;
  std::vector<std::string> measured;  ///< any format import_table reads
  ImportOptions import;
  std::string min_bytes = "64K";      ///< sizes below are not compared (K/M/G suffixes)
  double tolerance = 0;               ///< > 0: fail when a series' median error is above it
  std::string format = "text";
};

CLI::App* add_scaling_command(CLI::App& app, ScalingOptions& o);

/// Prints the comparison. Returns 0, or 1 when a tolerance is given and a series' median
/// |predicted / measured - 1| exceeds it. Throws InputError for unreadable inputs, a bad flag
/// value, or a profile without an entry for a measured op and tier.
int run_scaling(const ScalingOptions& o);

}  // namespace meshbench::fit
