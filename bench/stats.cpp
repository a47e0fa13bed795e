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

}  // namespace meshbench
