#pragma once
// Summaries of per-iteration timing samples.

#include <cstddef>
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

}  // namespace meshbench
