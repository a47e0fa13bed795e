#pragma once
// Summaries of per-iteration timing samples.

#include <cstddef>
#include <span>
#include <vector>

namespace meshbench {

/// Distribution of one point's samples (all in the samples' unit, here microseconds).
struct SampleSummary {
  std::size_t n = 0;
  double min = 0, p50 = 0, mean = 0, p99 = 0, max = 0;
  double cv = 0;  ///< coefficient of variation: sample standard deviation / mean (0 if n < 2)
};

/// Summarizes `samples` (taken by value: they are sorted). Percentiles interpolate linearly
/// between order statistics (gsl_stats_quantile_from_sorted_data, numpy's default).
/// Throws std::invalid_argument for an empty sample set or a non-finite sample.
SampleSummary summarize(std::vector<double> samples);

/// The median of samples and its distribution-free 95% confidence interval: the order
/// statistics of rank floor(n/2 - 0.98 sqrt(n)) and ceil(n/2 + 0.98 sqrt(n) + 1) (1-based,
/// clamped to [1, n]; Conover, Practical Nonparametric Statistics, 3rd ed., sec. 3.2).
struct MedianInterval {
  double p50 = 0, low = 0, high = 0;
};

/// MedianInterval of `samples` in O(n) (selection, no sort), using `scratch` for the copy so a
/// caller that checks often allocates once. The median of an even count is the mean of the two
/// middle values (as summarize's p50). Throws std::invalid_argument when empty.
MedianInterval median_ci95(std::span<const double> samples, std::vector<double>& scratch);
MedianInterval median_ci95(std::span<const double> samples);

}  // namespace meshbench
