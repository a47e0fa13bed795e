#pragma once
// Regime fits of every (op, dtype, ranks, tier, k x g, group) series of imported measurements.

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "fit/regimes.hpp"
#include "fit/sweep_results.hpp"

namespace meshbench::fit {

/// A fitted series: one op on one group shape (tier, k nodes x g ranks per node).
struct SeriesKey {
  std::string op, dtype;
  int ranks = 1;
  std::string tier = "intra";
  int nodes = 1;           ///< k
  int ranks_per_node = 1;  ///< g
  std::string group;
  int concurrent_groups = 1;  ///< groups that ran at once on each node (Measurement)
  auto operator<=>(const SeriesKey&) const = default;
  /// "all_reduce float32 n=16 inter 2x8 all"
  std::string label() const;
};

/// Outlier handling of fit_series.
struct OutlierOptions {
  /// A point this far from the fit (|fit - t| / t) is an outlier candidate: a glitch such as a
  /// single slow size in an otherwise smooth nccl-tests table.
  double rel_residual = 0.5;
  /// At most this fraction of a series' points may be set aside (at least 1), and at most
  /// max_points (each costs a refit: a glitch is a few points, not thousands).
  double max_fraction = 0.1;
  std::size_t max_points = 32;
};

/// How well the fit follows the measurements (outliers included, so nothing is hidden).
struct FitAccuracy {
  double median_abs_rel_error = 0;      ///< over all points of the series
  double max_abs_rel_error = 0;         ///< over all points
  double max_abs_rel_error_ge_64KiB = 0;  ///< over points of 64 KiB and more (0 if none)
  double median_abs_rel_error_inliers = 0;  ///< without the outliers
  double max_abs_rel_error_ge_64KiB_inliers = 0;
};

struct SeriesFit {
  SeriesKey key;
  double busbw_factor = 1;
  std::vector<Measurement> points;  ///< sorted by bytes, outliers included
  std::vector<Measurement> outliers;  ///< points set aside before the final fit
  std::vector<LineFit> regimes;     ///< empty when not fitted
  std::string not_fitted_reason;    ///< why regimes is empty
  FitAccuracy accuracy;             ///< of the final fit, when fitted

  /// The regime whose size range holds `bytes`; below the first range the first, above the
  /// last the last, between two ranges the upper one. nullptr when not fitted.
  const LineFit* regime_for(double bytes) const;
  /// Predicted time, or nullopt when the series is not fitted.
  std::optional<double> predicted_time_us(double bytes) const;
  /// OSU bandwidth tests (group "streaming_bw:<test>"): a bandwidth per size, whose fitted
  /// alpha is no latency and is not reported.
  bool streaming_bandwidth() const { return key.group.rfind("streaming_bw:", 0) == 0; }
  /// Where its points came from: the distinct Measurement::origin (file, tool, line range) of
  /// its points, else their source files.
  std::vector<std::string> origins() const;
};

/// Groups `measurements` into series and fits each with fit_regimes. A point whose relative
/// residual exceeds outliers.rel_residual is set aside and the series refitted, worst first, up
/// to outliers.max_fraction of its points; set-aside points are kept in SeriesFit::outliers and
/// counted in the accuracy. A series with too few distinct sizes is returned unfitted with the
/// reason, not thrown.
std::vector<SeriesFit> fit_series(const std::vector<Measurement>& measurements,
                                  RegimeOptions options = {}, OutlierOptions outliers = {});

/// One regime as fit.json (and profile.json) write it: size range, alpha and beta with their
/// intervals, bw and busbw (null when beta <= 0), R^2 and residuals.
nlohmann::json regime_json(const LineFit& regime, double busbw_factor);

/// fit.json, schema "meshbench.fit/1" (results/README.md).
/// `time_column` is the results.csv column that was fitted.
nlohmann::json fits_to_json(const std::vector<SeriesFit>& fits, const std::filesystem::path& source,
                            const std::string& time_column);

}  // namespace meshbench::fit
