#pragma once
// Size regimes: protocol switches (UCX eager -> rendezvous at 32 KiB on these machines; NCCL's
// LL / LL128 / Simple) make steps in time vs size that one line cannot follow.

#include <cstddef>
#include <span>
#include <vector>

#include "fit/alpha_beta.hpp"

namespace meshbench::fit {

struct RegimeOptions {
  std::size_t max_regimes = 3;
  std::size_t min_sizes_per_regime = 3;  ///< a regime with fewer distinct sizes is refused
};

/// Splits the points (any order; repeated sizes allowed) into 1..max_regimes contiguous size
/// ranges, fits each with fit_line, and returns the fits in increasing size order.
///
/// The number of regimes and the breakpoints minimise the Bayesian information criterion
/// (Schwarz 1978) of the relative residuals: N ln(SSR/N) + p ln N with p = 3k - 1 parameters
/// for k regimes (alpha and beta per regime and k - 1 breakpoints), found exactly by dynamic
/// programming over breakpoints between distinct sizes, segment costs in O(1) from prefix sums:
/// exactly up to 512 distinct sizes; beyond, over 256 evenly spaced breakpoint candidates, each
/// chosen breakpoint then refined to the best position between its neighbouring candidates, so
/// a 100,000-size series costs about what 512 sizes do. SSR/N is floored at 1e-12 so exact data
/// picks the fewest regimes.
/// Throws std::invalid_argument when there are fewer than min_sizes_per_regime distinct sizes.
std::vector<LineFit> fit_regimes(std::span<const TimePoint> points, RegimeOptions options = {});

}  // namespace meshbench::fit
