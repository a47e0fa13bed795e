#pragma once
// The Hockney (alpha-beta) model fitted to measured times: t(n) = alpha + beta * n.

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace meshbench::fit {

struct TimePoint {
  double bytes = 0;    ///< nccl-tests size
  double time_us = 0;  ///< > 0
};

/// A line fitted to one size regime. bw_GBps is the asymptotic algbw 1/beta.
struct LineFit {
  std::size_t n_points = 0;
  double bytes_min = 0, bytes_max = 0;
  double alpha_us = 0;
  double beta_us_per_byte = 0;
  double alpha_ci95_us = 0;            ///< half-width of the 95% confidence interval
  double beta_ci95_us_per_byte = 0;
  double r_squared = 0;                ///< of time, unweighted: 1 - SS_res / SS_tot
  double max_rel_residual = 0;         ///< max |fit - t| / t
  double median_rel_residual = 0;
  double sum_sq_rel_residual = 0;      ///< the minimised objective
  /// "" when the unconstrained optimum is physical; "alpha=0" when it had alpha < 0 and the
  /// fit is the best line through the origin; "beta=0" when it had beta <= 0 (time falling
  /// with size: no bandwidth term, alpha is the weighted mean time).
  std::string constraint;

  /// Asymptotic bandwidth in GB/s (1e9 bytes/s): 1 / beta; 0 when beta <= 0.
  double bw_GBps() const;
  /// Predicted time in microseconds for `bytes`.
  double time_us(double bytes) const { return alpha_us + beta_us_per_byte * bytes; }
};

/// Least-squares fit of t = alpha + beta * bytes minimising the sum of squared *relative*
/// residuals ((fit - t) / t)^2, i.e. weights 1/t^2 (gsl_fit_wlinear), so that 8-byte and
/// 4-MiB points count alike, subject to alpha >= 0 and beta >= 0: a latency is never negative.
/// The objective is a convex quadratic, so when the unconstrained optimum breaks a bound the
/// constrained one lies on that bound (gsl_fit_wmul for alpha = 0; see LineFit::constraint). Confidence intervals use the residual variance (the weights are
/// relative, not known variances) and Student's t with n-2 degrees of freedom (n-1 on a bound).
/// Throws std::invalid_argument for fewer than 2 distinct sizes or a time <= 0.
LineFit fit_line(std::span<const TimePoint> points);

/// Median of `values` (gsl_stats_median; taken by value: sorted); 0 for an empty list.
double median(std::vector<double> values);

}  // namespace meshbench::fit
