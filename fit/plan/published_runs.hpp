#pragma once
// `meshplan validate`: the MFU model against published training runs (the columns of
// ../shared/data/published_runs_public.csv: Korthikanti et al. 2022 Table 5 and Megatron-Core
// H100 runs).

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "fit/plan/estimate.hpp"

namespace meshbench::plan {

struct RunCheck {
  std::string row_id, model, gpu_generation;
  double reported_mfu = 0;   ///< fraction
  std::string reported_from;  ///< reported_mfu_pct, or derived_mfu_pct when not reported
  double predicted_mfu = 0, ceiling_mfu = 0, rel_err = 0;
  std::vector<std::string> assumptions;  ///< fields the row left open and what was assumed
  StepEstimate estimate;
};

struct Validation {
  std::vector<RunCheck> rows;
  std::vector<std::pair<std::string, std::string>> skipped;  ///< row_id, reason
  double median_abs_rel_err = 0, max_abs_rel_err = 0;
  int ceiling_violations = 0;  ///< rows whose ceiling is below the reported MFU
};

/// Checks every row of `file` with the GPU's spec-sheet cluster, the efficiency of its
/// generation (`efficiency` overrides it per generation name: "ampere", "hopper").
/// Throws fit::InputError naming the file, line and column for an unreadable table.
Validation validate_runs(const std::filesystem::path& file,
                         const std::map<std::string, double>& efficiency = {});

/// `rows` (row_id, predicted_mfu, reported_mfu, ceiling_mfu, rel_err, ...) and `summary`
/// (median_abs_rel_err, max_abs_rel_err, ceiling_violations, rows_used, rows_skipped).
nlohmann::json validation_json(const Validation& v);

/// Per generation, the efficiency in [0.30, 1.00] (step 0.01) that minimises the median
/// |relative error| of the rows of that generation.
std::map<std::string, double> calibrate_efficiency(const std::filesystem::path& file);

}  // namespace meshbench::plan
