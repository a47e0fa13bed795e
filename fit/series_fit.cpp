#include "fit/series_fit.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

namespace meshbench::fit {
namespace {

nlohmann::json number_or_null(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

}  // namespace

std::string SeriesKey::label() const {
  return fmt::format("{} {} n={} {} {}x{} {}", op, dtype, ranks, tier, nodes, ranks_per_node,
                     group);
}

const LineFit* SeriesFit::regime_for(double bytes) const {
  if (regimes.empty()) return nullptr;
  // A size between two regimes' ranges belongs to the upper one: steps are where it starts.
  for (const LineFit& r : regimes) {
    if (bytes <= r.bytes_max) return &r;
  }
  return &regimes.back();
}

std::vector<std::string> SeriesFit::origins() const {
  std::vector<std::string> out;
  for (const Measurement& m : points) {
    const std::string& o = m.origin.empty() ? m.source : m.origin;
    if (!o.empty() && std::find(out.begin(), out.end(), o) == out.end()) out.push_back(o);
  }
  return out;
}

std::optional<double> SeriesFit::predicted_time_us(double bytes) const {
  const LineFit* r = regime_for(bytes);
  if (!r) return std::nullopt;
  return r->time_us(bytes);
}

namespace {

/// The points set aside, by (line, bytes): a line alone is not unique across repeated sweeps.
std::set<std::pair<std::size_t, std::uint64_t>> outlier_keys(const SeriesFit& s) {
  std::set<std::pair<std::size_t, std::uint64_t>> keys;
  for (const Measurement& o : s.outliers) keys.emplace(o.line, o.bytes);
  return keys;
}

double abs_rel_error(const SeriesFit& s, const Measurement& m) {
  return std::abs(*s.predicted_time_us(static_cast<double>(m.bytes)) - m.time_us) / m.time_us;
}


FitAccuracy accuracy_of(const SeriesFit& s) {
  FitAccuracy a;
  std::vector<double> all, inliers;
  const auto outliers = outlier_keys(s);
  for (const Measurement& m : s.points) {
    const double e = abs_rel_error(s, m);
    const bool outlier = outliers.count({m.line, m.bytes}) > 0;
    all.push_back(e);
    a.max_abs_rel_error = std::max(a.max_abs_rel_error, e);
    if (m.bytes >= 65536) a.max_abs_rel_error_ge_64KiB = std::max(a.max_abs_rel_error_ge_64KiB, e);
    if (!outlier) {
      inliers.push_back(e);
      if (m.bytes >= 65536) {
        a.max_abs_rel_error_ge_64KiB_inliers = std::max(a.max_abs_rel_error_ge_64KiB_inliers, e);
      }
    }
  }
  a.median_abs_rel_error = median(all);
  a.median_abs_rel_error_inliers = median(inliers);
  return a;
}

std::vector<LineFit> fit_points(const std::vector<Measurement>& points, const RegimeOptions& o) {
  std::vector<TimePoint> tp;
  for (const Measurement& m : points) tp.push_back({static_cast<double>(m.bytes), m.time_us});
  return fit_regimes(tp, o);
}

}  // namespace

std::vector<SeriesFit> fit_series(const std::vector<Measurement>& measurements,
                                  RegimeOptions options, OutlierOptions outlier_options) {
  std::map<SeriesKey, SeriesFit> by_key;
  for (const Measurement& m : measurements) {
    SeriesKey key{m.op, m.dtype, m.ranks, m.tier, m.nodes, m.ranks_per_node, m.group,
                  m.concurrent_groups};
    SeriesFit& s = by_key[key];
    s.key = key;
    s.busbw_factor = m.busbw_factor;
    s.points.push_back(m);
  }
  std::vector<SeriesFit> out;
  for (auto& [key, s] : by_key) {
    std::stable_sort(s.points.begin(), s.points.end(),
                     [](const Measurement& a, const Measurement& b) { return a.bytes < b.bytes; });
    try {
      s.regimes = fit_points(s.points, options);
      // Set aside the worst point while one is far off, then refit without it.
      const auto budget = std::min<std::size_t>(
          outlier_options.max_points,
          std::max<std::size_t>(1, static_cast<std::size_t>(outlier_options.max_fraction *
                                                            static_cast<double>(s.points.size()))));
      std::vector<Measurement> kept = s.points;
      while (s.outliers.size() < budget) {
        auto worst = std::max_element(kept.begin(), kept.end(), [&](const auto& a, const auto& b) {
          return abs_rel_error(s, a) < abs_rel_error(s, b);
        });
        if (worst == kept.end() || abs_rel_error(s, *worst) <= outlier_options.rel_residual) break;
        std::vector<Measurement> fewer = kept;
        fewer.erase(fewer.begin() + (worst - kept.begin()));
        std::vector<LineFit> refit;
        try {
          refit = fit_points(fewer, options);
        } catch (const std::invalid_argument&) {
          break;  // too few sizes left: keep the point
        }
        s.outliers.push_back(*worst);
        kept = std::move(fewer);
        s.regimes = std::move(refit);
      }
      s.accuracy = accuracy_of(s);
    } catch (const std::invalid_argument& e) {
      s.not_fitted_reason = e.what();
    }
    out.push_back(std::move(s));
  }
  return out;
}

namespace {

nlohmann::json points_json(const SeriesFit& s) {
  nlohmann::json out = nlohmann::json::array();
  const auto outliers = outlier_keys(s);
  for (const Measurement& m : s.points) {
    const bool outlier = outliers.count({m.line, m.bytes}) > 0;
    out.push_back({{"bytes", m.bytes}, {"time_us", m.time_us}, {"outlier", outlier}});
  }
  return out;
}

nlohmann::json outliers_json(const SeriesFit& s) {
  nlohmann::json out = nlohmann::json::array();
  for (const Measurement& m : s.outliers) {
    out.push_back({{"bytes", m.bytes}, {"time_us", m.time_us}, {"line", m.line},
                   {"fit_time_us", *s.predicted_time_us(static_cast<double>(m.bytes))}});
  }
  return out;
}

}  // namespace

nlohmann::json regime_json(const LineFit& r, double busbw_factor) {
  const double bw = r.bw_GBps();
  return {
      {"bytes_min", r.bytes_min},
      {"bytes_max", r.bytes_max},
      {"n_points", r.n_points},
      {"alpha_us", r.alpha_us},
      {"alpha_ci95_us", r.alpha_ci95_us},
      {"constraint", r.constraint.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.constraint)},
      {"beta_us_per_MB", r.beta_us_per_byte * 1e6},
      {"beta_ci95_us_per_MB", r.beta_ci95_us_per_byte * 1e6},
      {"bw_GBps", bw > 0 ? nlohmann::json(bw) : nlohmann::json(nullptr)},
      {"busbw_GBps", bw > 0 ? nlohmann::json(bw * busbw_factor) : nlohmann::json(nullptr)},
      {"r_squared", number_or_null(r.r_squared)},
      {"max_rel_residual", r.max_rel_residual},
      {"median_rel_residual", r.median_rel_residual},
  };
}

nlohmann::json fits_to_json(const std::vector<SeriesFit>& fits, const std::filesystem::path& source,
                            const std::string& time_column) {
  nlohmann::json series = nlohmann::json::array();
  for (const SeriesFit& s : fits) {
    nlohmann::json regimes = nlohmann::json::array();
    for (const LineFit& r : s.regimes) regimes.push_back(regime_json(r, s.busbw_factor));
    series.push_back({
        {"op", s.key.op},
        {"dtype", s.key.dtype},
        {"ranks", s.key.ranks},
        {"tier", s.key.tier},
        {"nodes", s.key.nodes},
        {"ranks_per_node", s.key.ranks_per_node},
        {"group", s.key.group},
        {"metric", s.streaming_bandwidth() ? "streaming_bandwidth" : "time"},
        {"origin", s.origins()},
        {"busbw_factor", s.busbw_factor},
        {"n_points", s.points.size()},
        {"fitted", !s.regimes.empty()},
        {"not_fitted_reason", s.regimes.empty() ? nlohmann::json(s.not_fitted_reason)
                                                : nlohmann::json(nullptr)},
        {"regimes", regimes},
        {"outliers", outliers_json(s)},
        {"points", points_json(s)},
        {"accuracy", s.regimes.empty() ? nlohmann::json(nullptr) : nlohmann::json{
            {"median_abs_rel_error", s.accuracy.median_abs_rel_error},
            {"max_abs_rel_error", s.accuracy.max_abs_rel_error},
            {"max_abs_rel_error_ge_64KiB", s.accuracy.max_abs_rel_error_ge_64KiB},
            {"median_abs_rel_error_inliers", s.accuracy.median_abs_rel_error_inliers},
            {"max_abs_rel_error_ge_64KiB_inliers", s.accuracy.max_abs_rel_error_ge_64KiB_inliers},
        }},
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
