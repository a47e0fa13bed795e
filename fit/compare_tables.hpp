#pragma once
// Two measurements of the same collectives side by side - meshbench against nccl-tests on the
// same GPUs, two clusters, in-place against out-of-place - matched by (op, dtype, ranks,
// placement) and size, as the ratio of their bus bandwidths.

#include <cstdint>
#include <string>
#include <vector>

#include "fit/sweep_results.hpp"

namespace meshbench::fit {

/// One size measured by both sides.
struct ComparedPoint {
  std::uint64_t bytes = 0;       ///< nccl-tests size
  double candidate_us = 0;       ///< median over the candidate's rows of this size
  double reference_us = 0;
  double busbw_factor = 1;
  /// candidate busbw / reference busbw = reference time / candidate time (> 1: candidate faster).
  double ratio() const { return reference_us / candidate_us; }
};

/// One series both sides measured: same op, dtype, ranks, nodes and ranks per node.
struct SeriesComparison {
  std::string op, dtype;
  int ranks = 1, nodes = 1, ranks_per_node = 1;
  std::vector<ComparedPoint> points;  ///< increasing size
  double median_ratio = 0;            ///< over every compared size
  double median_ratio_large = 0;      ///< over sizes >= large_from_bytes (0 when none)
  std::size_t large_points = 0;
  std::string label() const;          ///< "all_reduce float32 8 ranks (1 x 8)"
};

/// Matches the aggregate series (group "all", "world", or a mesh axis's "[all]") of
/// `candidate` with those of `reference` and compares every size both have. Series only one
/// side has are left out. Throws InputError when nothing matches (naming what each side holds).
std::vector<SeriesComparison> compare_measurements(const std::vector<Measurement>& candidate,
                                                   const std::vector<Measurement>& reference,
                                                   std::uint64_t large_from_bytes);

}  // namespace meshbench::fit
