#include "bench/stats.hpp"

#include <gsl/gsl_statistics_double.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace meshbench {

SampleSummary summarize(std::vector<double> samples) {
  if (samples.empty()) throw std::invalid_argument("summarize: no samples");
  for (double s : samples) {
    if (!std::isfinite(s)) throw std::invalid_argument("summarize: non-finite sample");
  }
  std::sort(samples.begin(), samples.end());
  const double* d = samples.data();
  const std::size_t n = samples.size();
  SampleSummary s;
  s.n = n;
  s.min = d[0];
  s.max = d[n - 1];
  s.mean = gsl_stats_mean(d, 1, n);
  s.p50 = gsl_stats_quantile_from_sorted_data(d, 1, n, 0.50);
  s.p99 = gsl_stats_quantile_from_sorted_data(d, 1, n, 0.99);
  s.cv = (n >= 2 && s.mean != 0.0) ? gsl_stats_sd_m(d, 1, n, s.mean) / s.mean : 0.0;
  return s;
}

MedianInterval median_ci95(std::span<const double> samples, std::vector<double>& v) {
  if (samples.empty()) throw std::invalid_argument("median_ci95: no samples");
  v.assign(samples.begin(), samples.end());
  const std::size_t n = v.size();
  const auto at = [&](std::size_t k) {  // k-th smallest, 0-based
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return v[k];
  };
  MedianInterval m;
  const double hi_mid = at(n / 2);
  m.p50 = n % 2 == 1 ? hi_mid
                     : (*std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n / 2)) + hi_mid) / 2;
  const double nd = static_cast<double>(n), half = 0.98 * std::sqrt(nd);  // 1.96 sqrt(n) / 2
  const auto lo_rank = static_cast<std::size_t>(std::clamp(std::floor(nd / 2 - half), 1.0, nd));
  const auto hi_rank = static_cast<std::size_t>(std::clamp(std::ceil(nd / 2 + half + 1), 1.0, nd));
  m.low = at(lo_rank - 1);
  m.high = at(hi_rank - 1);
  return m;
}

MedianInterval median_ci95(std::span<const double> samples) {
  std::vector<double> scratch;
  return median_ci95(samples, scratch);
}

}  // namespace meshbench
