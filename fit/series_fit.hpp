#pragma once
// Regime fits of every (op, dtype, ranks, group) series in a results file.

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "fit/regimes.hpp"
#include "fit/sweep_results.hpp"

namespace meshbench::fit {

struct SeriesKey {
  std::string op, dtype;
  int ranks = 1;
  std::string group;
  auto operator<=>(const SeriesKey&) const = default;
  /// "all_reduce float32 n=2 world"
  std::string label() const;
};

struct SeriesFit {
  SeriesKey key;
  double busbw_factor = 1;
  std::vector<Measurement> points;  ///< sorted by bytes
  std::vector<LineFit> regimes;     ///< empty when not fitted
  std::string not_fitted_reason;    ///< why regimes is empty

  /// The regime whose size range holds `bytes`; below the first range the first, above the
  /// last the last, between two ranges the upper one. nullptr when not fitted.
  const LineFit* regime_for(double bytes) const;
  /// Predicted time, or nullopt when the series is not fitted.
  std::optional<double> predicted_time_us(double bytes) const;
};

/// Groups `measurements` into series and fits each with fit_regimes. A series with too few
/// distinct sizes is returned unfitted with the reason, not thrown.
std::vector<SeriesFit> fit_series(const std::vector<Measurement>& measurements,
                                  RegimeOptions options = {});

/// fit.json, schema "meshbench.fit/1" (results/README.md).
/// `time_column` is the results.csv column that was fitted.
nlohmann::json fits_to_json(const std::vector<SeriesFit>& fits, const std::filesystem::path& source,
                            const std::string& time_column);

}  // namespace meshbench::fit
