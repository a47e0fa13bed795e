#include "fit/alpha_beta.hpp"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_fit.h>
#include <gsl/gsl_statistics_double.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <vector>

namespace meshbench::fit {

double LineFit::bw_GBps() const { return beta_us_per_byte > 0 ? 1e-3 / beta_us_per_byte : 0.0; }

LineFit fit_line(std::span<const TimePoint> points) {
  const std::size_t n = points.size();
  std::vector<double> x(n), y(n), w(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (!(points[i].time_us > 0)) throw std::invalid_argument("fit_line: time must be > 0");
    x[i] = points[i].bytes;
    y[i] = points[i].time_us;
    w[i] = 1.0 / (y[i] * y[i]);
  }
  const auto [lo, hi] = std::minmax_element(x.begin(), x.end());
  if (n < 2 || *lo == *hi) throw std::invalid_argument("fit_line: needs 2 distinct sizes");

  LineFit f;
  f.n_points = n;
  f.bytes_min = *lo;
  f.bytes_max = *hi;
  double cov00 = 0, cov01 = 0, cov11 = 0, chisq = 0;
  gsl_fit_wlinear(x.data(), 1, w.data(), 1, y.data(), 1, n, &f.alpha_us, &f.beta_us_per_byte,
                  &cov00, &cov01, &cov11, &chisq);
  std::size_t params = 2;
  if (f.alpha_us < 0) {
    // On the bound alpha = 0: the best line through the origin (beta > 0: every x, y > 0).
    f.alpha_us = 0;
    gsl_fit_wmul(x.data(), 1, w.data(), 1, y.data(), 1, n, &f.beta_us_per_byte, &cov11, &chisq);
    cov00 = 0;
    params = 1;
    f.constraint = "alpha=0";
  } else if (f.beta_us_per_byte <= 0) {
    // On the bound beta = 0: a constant, the weighted mean time.
    const double sw = std::accumulate(w.begin(), w.end(), 0.0);
    f.alpha_us = gsl_stats_wmean(w.data(), 1, y.data(), 1, n);
    f.beta_us_per_byte = 0;
    chisq = 0;
    for (std::size_t i = 0; i < n; ++i) chisq += w[i] * (y[i] - f.alpha_us) * (y[i] - f.alpha_us);
    cov00 = 1 / sw;
    cov11 = 0;
    params = 1;
    f.constraint = "beta=0";
  }
  f.sum_sq_rel_residual = chisq;
  if (n > params) {
    // gsl's covariance assumes w = 1/sigma^2 exactly; scale by the residual variance.
    const double dof = static_cast<double>(n - params);
    const double scale = chisq / dof;
    const double t = gsl_cdf_tdist_Pinv(0.975, dof);
    f.alpha_ci95_us = t * std::sqrt(cov00 * scale);
    f.beta_ci95_us_per_byte = t * std::sqrt(cov11 * scale);
  }
  std::vector<double> rel(n);
  const double mean_y = gsl_stats_mean(y.data(), 1, n);
  double ss_res = 0, ss_tot = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double r = f.time_us(x[i]) - y[i];
    rel[i] = std::abs(r) / y[i];
    ss_res += r * r;
    ss_tot += (y[i] - mean_y) * (y[i] - mean_y);
  }
  f.r_squared = ss_tot > 0 ? 1.0 - ss_res / ss_tot : 1.0;
  std::sort(rel.begin(), rel.end());
  f.max_rel_residual = rel.back();
  f.median_rel_residual = gsl_stats_median_from_sorted_data(rel.data(), 1, n);
  return f;
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return gsl_stats_median_from_sorted_data(values.data(), 1, values.size());
}

}  // namespace meshbench::fit
