#include "fit/regimes.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace meshbench::fit {

std::vector<LineFit> fit_regimes(std::span<const TimePoint> input, RegimeOptions options) {
  std::vector<TimePoint> points(input.begin(), input.end());
  std::sort(points.begin(), points.end(),
            [](const TimePoint& a, const TimePoint& b) { return a.bytes < b.bytes; });
  // Start index in `points` of each distinct size; breakpoints fall between distinct sizes.
  std::vector<std::size_t> starts;
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (i == 0 || points[i].bytes != points[i - 1].bytes) starts.push_back(i);
  }
  const std::size_t sizes = starts.size();
  const std::size_t m = std::max<std::size_t>(options.min_sizes_per_regime, 2);
  if (sizes < m) {
    throw std::invalid_argument("fit_regimes: " + std::to_string(sizes) +
                                " distinct sizes, a regime needs at least " + std::to_string(m));
  }
  starts.push_back(points.size());
  auto span_of = [&](std::size_t a, std::size_t b) {  // distinct sizes [a, b)
    return std::span<const TimePoint>(points.data() + starts[a], starts[b] - starts[a]);
  };

  // cost[a][b]: SSR of one line over distinct sizes [a, b), infinite if too few sizes.
  constexpr double kInf = std::numeric_limits<double>::infinity();
  std::vector<std::vector<double>> cost(sizes + 1, std::vector<double>(sizes + 1, kInf));
  for (std::size_t a = 0; a < sizes; ++a) {
    for (std::size_t b = a + m; b <= sizes; ++b) cost[a][b] = fit_line(span_of(a, b)).sum_sq_rel_residual;
  }

  const double n = static_cast<double>(points.size());
  double best_bic = kInf;
  std::vector<std::size_t> best_cuts;
  // best[k][b]: least SSR of sizes [0, b) in k regimes; from[k][b]: where the last one starts.
  const std::size_t kmax = std::min(options.max_regimes, sizes / m);
  std::vector<std::vector<double>> best(kmax + 1, std::vector<double>(sizes + 1, kInf));
  std::vector<std::vector<std::size_t>> from(kmax + 1, std::vector<std::size_t>(sizes + 1, 0));
  best[0][0] = 0;
  for (std::size_t k = 1; k <= kmax; ++k) {
    for (std::size_t b = 1; b <= sizes; ++b) {
      for (std::size_t a = 0; a < b; ++a) {
        const double c = best[k - 1][a] + cost[a][b];
        if (c < best[k][b]) {
          best[k][b] = c;
          from[k][b] = a;
        }
      }
    }
    if (best[k][sizes] == kInf) continue;
    const double p = 3.0 * static_cast<double>(k) - 1.0;
    const double bic = n * std::log(std::max(best[k][sizes] / n, 1e-12)) + p * std::log(n);
    if (bic < best_bic) {
      best_bic = bic;
      best_cuts.clear();
      for (std::size_t kk = k, b = sizes; kk > 0; b = from[kk][b], --kk) best_cuts.push_back(b);
      best_cuts.push_back(0);
      std::reverse(best_cuts.begin(), best_cuts.end());
    }
  }
  std::vector<LineFit> fits;
  for (std::size_t i = 0; i + 1 < best_cuts.size(); ++i) {
    fits.push_back(fit_line(span_of(best_cuts[i], best_cuts[i + 1])));
  }
  return fits;
}

}  // namespace meshbench::fit
