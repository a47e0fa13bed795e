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

  // Segment cost over distinct sizes [a, b): the SSR of one weighted line (w = 1/t^2), in O(1)
  // from prefix sums of the weighted normal equations, x scaled by the largest size. (long
  // double is double on some platforms; the final fits below are exact either way.)
  const double scale = points.back().bytes > 0 ? points.back().bytes : 1;
  std::vector<long double> S(points.size() + 1), Sx(S.size()), Sy(S.size()), Sxx(S.size()),
      Sxy(S.size()), Syy(S.size());
  for (std::size_t i = 0; i < points.size(); ++i) {
    const long double x = points[i].bytes / scale, y = points[i].time_us, w = 1 / (y * y);
    S[i + 1] = S[i] + w;
    Sx[i + 1] = Sx[i] + w * x;
    Sy[i + 1] = Sy[i] + w * y;
    Sxx[i + 1] = Sxx[i] + w * x * x;
    Sxy[i + 1] = Sxy[i] + w * x * y;
    Syy[i + 1] = Syy[i] + w * y * y;
  }
  constexpr double kInf = std::numeric_limits<double>::infinity();
  auto segment_cost = [&](std::size_t a, std::size_t b) -> double {
    if (b < a + m) return kInf;
    const std::size_t i = starts[a], j = starts[b];
    const long double s0 = S[j] - S[i], sx = Sx[j] - Sx[i], sy = Sy[j] - Sy[i],
                      sxx = Sxx[j] - Sxx[i], sxy = Sxy[j] - Sxy[i], syy = Syy[j] - Syy[i];
    const long double det = s0 * sxx - sx * sx;
    if (!(det > 1e-18L * s0 * sxx)) return fit_line(span_of(a, b)).sum_sq_rel_residual;
    const long double beta = (s0 * sxy - sx * sy) / det, alpha = (sy - beta * sx) / s0;
    // The bounds fit_line keeps (alpha >= 0, beta >= 0), so the search and the final fits
    // minimise the same thing: on a broken bound, the one-parameter optimum.
    long double ssr = syy - alpha * sy - beta * sxy;
    if (alpha < 0) {
      ssr = syy - sxy * sxy / sxx;  // through the origin
    } else if (beta <= 0) {
      ssr = syy - sy * sy / s0;     // a constant
    }
    return static_cast<double>(std::max<long double>(0, ssr));
  };
  // Breakpoint candidates (indices into the distinct sizes): all of them up to kExact sizes, where
  // the search is exact; beyond, kCandidates evenly spaced ones, each chosen breakpoint then
  // refined to the best position between its neighbouring candidates.
  constexpr std::size_t kExact = 512, kCandidates = 256;
  std::vector<std::size_t> cand;
  const std::size_t steps = sizes <= kExact ? sizes : kCandidates;
  for (std::size_t i = 0; i <= steps; ++i) {
    const std::size_t c = i * sizes / steps;
    if (cand.empty() || c != cand.back()) cand.push_back(c);
  }
  const std::size_t nc = cand.size();
  std::vector<std::vector<double>> cost(nc, std::vector<double>(nc, kInf));
  for (std::size_t a = 0; a < nc; ++a) {
    for (std::size_t b = a + 1; b < nc; ++b) cost[a][b] = segment_cost(cand[a], cand[b]);
  }
  auto refine = [&](std::vector<std::size_t>& cuts) {
    if (sizes <= kExact) return;
    const std::size_t spacing = sizes / kCandidates + 1;
    for (int pass = 0; pass < 2; ++pass) {
      for (std::size_t c = 1; c + 1 < cuts.size(); ++c) {
        const std::size_t from = cuts[c] > spacing ? cuts[c] - spacing : 0;
        const std::size_t to = std::min(cuts[c] + spacing, sizes);
        double best_cost = segment_cost(cuts[c - 1], cuts[c]) + segment_cost(cuts[c], cuts[c + 1]);
        for (std::size_t x = from; x <= to; ++x) {
          const double here = segment_cost(cuts[c - 1], x) + segment_cost(x, cuts[c + 1]);
          if (here < best_cost) best_cost = here, cuts[c] = x;
        }
      }
    }
  };
  auto total_cost = [&](const std::vector<std::size_t>& cuts) {
    double sum = 0;
    for (std::size_t c = 0; c + 1 < cuts.size(); ++c) sum += segment_cost(cuts[c], cuts[c + 1]);
    return sum;
  };

  const double n = static_cast<double>(points.size());
  double best_bic = kInf;
  std::vector<std::size_t> best_cuts;
  // best[k][b]: least SSR of candidates [0, b) in k regimes; from[k][b]: where the last starts.
  const std::size_t kmax = std::min(options.max_regimes, sizes / m);
  std::vector<std::vector<double>> best(kmax + 1, std::vector<double>(nc, kInf));
  std::vector<std::vector<std::size_t>> from(kmax + 1, std::vector<std::size_t>(nc, 0));
  best[0][0] = 0;
  for (std::size_t k = 1; k <= kmax; ++k) {
    for (std::size_t b = 1; b < nc; ++b) {
      for (std::size_t a = 0; a < b; ++a) {
        const double c = best[k - 1][a] + cost[a][b];
        if (c < best[k][b]) {
          best[k][b] = c;
          from[k][b] = a;
        }
      }
    }
    if (best[k][nc - 1] == kInf) continue;
    std::vector<std::size_t> cuts;
    for (std::size_t kk = k, b = nc - 1; kk > 0; b = from[kk][b], --kk) cuts.push_back(cand[b]);
    cuts.push_back(0);
    std::reverse(cuts.begin(), cuts.end());
    refine(cuts);
    const double p = 3.0 * static_cast<double>(k) - 1.0;
    const double bic = n * std::log(std::max(total_cost(cuts) / n, 1e-12)) + p * std::log(n);
    if (bic < best_bic) {
      best_bic = bic;
      best_cuts = std::move(cuts);
    }
  }
  std::vector<LineFit> fits;
  for (std::size_t i = 0; i + 1 < best_cuts.size(); ++i) {
    fits.push_back(fit_line(span_of(best_cuts[i], best_cuts[i + 1])));
  }
  return fits;
}

}  // namespace meshbench::fit
