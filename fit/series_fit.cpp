#include "fit/series_fit.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

namespace meshbench::fit {
namespace {

nlohmann::json number_or_null(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

}  // namespace

std::string SeriesKey::label() const { return fmt::format("{} {} n={} {}", op, dtype, ranks, group); }

const LineFit* SeriesFit::regime_for(double bytes) const {
  if (regimes.empty()) return nullptr;
  // A size between two regimes' ranges belongs to the upper one: steps are where it starts.
  for (const LineFit& r : regimes) {
    if (bytes <= r.bytes_max) return &r;
  }
  return &regimes.back();
}

std::optional<double> SeriesFit::predicted_time_us(double bytes) const {
  const LineFit* r = regime_for(bytes);
  if (!r) return std::nullopt;
  return r->time_us(bytes);
}

std::vector<SeriesFit> fit_series(const std::vector<Measurement>& measurements,
                                  RegimeOptions options) {
  std::map<SeriesKey, SeriesFit> by_key;
  for (const Measurement& m : measurements) {
    SeriesKey key{m.op, m.dtype, m.ranks, m.group};
    SeriesFit& s = by_key[key];
    s.key = key;
    s.busbw_factor = m.busbw_factor;
    s.points.push_back(m);
  }
  std::vector<SeriesFit> out;
  for (auto& [key, s] : by_key) {
    std::stable_sort(s.points.begin(), s.points.end(),
                     [](const Measurement& a, const Measurement& b) { return a.bytes < b.bytes; });
    std::vector<TimePoint> tp;
    for (const Measurement& m : s.points) tp.push_back({static_cast<double>(m.bytes), m.time_us});
    try {
      s.regimes = fit_regimes(tp, options);
    } catch (const std::invalid_argument& e) {
      s.not_fitted_reason = e.what();
    }
    out.push_back(std::move(s));
  }
  return out;
}

nlohmann::json fits_to_json(const std::vector<SeriesFit>& fits, const std::filesystem::path& source,
                            const std::string& time_column) {
  nlohmann::json series = nlohmann::json::array();
  for (const SeriesFit& s : fits) {
    nlohmann::json regimes = nlohmann::json::array();
    for (const LineFit& r : s.regimes) {
      const double bw = r.bw_GBps();
      regimes.push_back({
          {"bytes_min", r.bytes_min},
          {"bytes_max", r.bytes_max},
          {"n_points", r.n_points},
          {"alpha_us", r.alpha_us},
          {"alpha_ci95_us", r.alpha_ci95_us},
          {"beta_us_per_MB", r.beta_us_per_byte * 1e6},
          {"beta_ci95_us_per_MB", r.beta_ci95_us_per_byte * 1e6},
          {"bw_GBps", bw > 0 ? nlohmann::json(bw) : nlohmann::json(nullptr)},
          {"busbw_GBps", bw > 0 ? nlohmann::json(bw * s.busbw_factor) : nlohmann::json(nullptr)},
          {"r_squared", number_or_null(r.r_squared)},
          {"max_rel_residual", r.max_rel_residual},
          {"median_rel_residual", r.median_rel_residual},
      });
    }
    series.push_back({
        {"op", s.key.op},
        {"dtype", s.key.dtype},
        {"ranks", s.key.ranks},
        {"group", s.key.group},
        {"busbw_factor", s.busbw_factor},
        {"n_points", s.points.size()},
        {"fitted", !s.regimes.empty()},
        {"not_fitted_reason", s.regimes.empty() ? nlohmann::json(s.not_fitted_reason)
                                                : nlohmann::json(nullptr)},
        {"regimes", regimes},
    });
  }
  return nlohmann::json{
      {"schema", "meshbench.fit/1"},
      {"model", "t_us = alpha_us + beta_us_per_MB * bytes / 1e6 per regime; bytes = nccl-tests size"},
      {"objective", "weighted least squares of relative residuals; regimes by BIC"},
      {"source", source.string()},
      {"time_column", time_column},
      {"series", series},
  };
}

}  // namespace meshbench::fit
