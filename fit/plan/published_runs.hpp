#pragma once
// `meshplan validate`: the MFU model against published training runs (the columns of
// ../shared/data/published_runs_public.csv: Korthikanti et al. 2022 Table 5 and Megatron-Core
// H100 runs).

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fit/plan/estimate.hpp"
#include "fit/plan/search.hpp"

namespace meshbench::plan {

/// The team's layout among those `search` ranks for the same model, GPU count, batch,
/// precision and framework (the chapter's project idea).
struct SearchComparison {
  long long ranked = 0;       ///< layouts that divide and fit
  int rank = 0;               ///< 1-based rank of the best candidate with the team's mesh; 0: not among them
  std::string why_unranked;   ///< when rank is 0
  std::string top_label;      ///< Candidate::label of the top choice
  double top_mfu = 0;         ///< its MFU estimate
  double gap = 0;             ///< top_mfu - the team's layout's MFU estimate (fraction of peak)
  bool top_is_team = false;   ///< the top choice has the team's tp, cp, pp, dp and ep
};

struct RunCheck {
  std::string row_id, model, gpu_generation;
  double reported_mfu = 0;   ///< fraction
  std::string reported_from;  ///< reported_mfu_pct, or derived_mfu_pct when not reported
  double predicted_mfu = 0, ceiling_mfu = 0, rel_err = 0;
  std::vector<std::string> assumptions;  ///< fields the row left open and what was assumed
  std::string framework;                 ///< the overlap assumed (OverlapChoice::describe)
  StepEstimate estimate;
  std::optional<SearchComparison> search;  ///< with validate --search
};

struct Validation {
  std::vector<RunCheck> rows;
  std::vector<std::pair<std::string, std::string>> skipped;  ///< row_id, reason
  double median_abs_rel_err = 0, max_abs_rel_err = 0;
  int ceiling_violations = 0;  ///< rows whose ceiling is below the reported MFU
  int searched = 0, top_is_team = 0;  ///< with --search: rows searched, top choice = the team's
};

/// Checks every row of `file` with the GPU's spec-sheet cluster, the efficiency of its
/// generation (`efficiency` overrides it per generation name: "ampere", "hopper").
/// Throws fit::InputError naming the file, line and column for an unreadable table.
/// With `with_search`, every priced row also gets its SearchComparison.
Validation validate_runs(const std::filesystem::path& file,
                         const std::map<std::string, double>& efficiency = {},
                         double elementwise_passes = -1, bool with_search = false);

/// `rows` (row_id, predicted_mfu, reported_mfu, ceiling_mfu, rel_err, ...) and `summary`
/// (median_abs_rel_err, max_abs_rel_err, ceiling_violations, rows_used, rows_skipped).
nlohmann::json validation_json(const Validation& v);

/// The matmul efficiency fitted to one GPU generation's rows, with its honest error.
struct GenerationFit {
  double efficiency = 0;          ///< in [0.30, 1.00], step 0.01: minimises the median |rel err|
  int rows = 0;                   ///< rows of the generation it was fitted on
  double in_sample_median = 0;    ///< median |rel err| with everything fitted on all rows
  /// Leave-one-out: each row priced with every constant refitted on the other rows; the median
  /// of those |rel err| over this generation's rows (the accuracy to quote; nan with one row).
  double loo_median = 0;
  double loo_max = 0;
  std::vector<double> loo_errors;  ///< the leave-one-out |rel err| of each row, file order
};

/// The constants `calibrate` fits together: one elementwise_passes for all generations
/// (patterns/gpu_spec.hpp; grid 0..30, step 1) and one matmul efficiency per generation,
/// minimising the median |relative error| over every row.
struct Calibration {
  double elementwise_passes = 0;
  std::map<std::string, GenerationFit> generations;  ///< "ampere", "hopper", ...
  double in_sample_median = 0;  ///< all rows, everything fitted on all rows
  double loo_median = 0;        ///< all rows, each with everything refitted without it
  double loo_max = 0;
};

/// Fits the calibration on `file`'s rows and leaves each row out in turn.
Calibration calibrate(const std::filesystem::path& file);

}  // namespace meshbench::plan
