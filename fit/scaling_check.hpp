#pragma once
// Scaling past what was measured, checked: a profile fitted at one placement predicts every
// point of measurements taken at another (more nodes, more ranks), and each prediction is set
// against what was measured. `meshfit scaling` prints it; scripts/scaling runs it on published
// nccl-tests tables of one system at several scales and on the emulated cluster.

#include <string>
#include <vector>

#include "fit/profile.hpp"
#include "fit/sweep_results.hpp"

namespace meshbench::fit {

/// One measured size and what the profile predicts for it.
struct ScalingPoint {
  double bytes = 0;         ///< nccl-tests size
  double measured_us = 0;
  double predicted_us = 0;
  double ratio() const { return predicted_us / measured_us; }  ///< predicted / measured
};

/// One measured series (op, ranks, k x g, concurrency) against its predictions.
struct ScalingSeries {
  std::string op, dtype;
  std::string group;       ///< the measured series ("all", "tp[all]@tp-dp", ...)
  int ranks = 0, nodes = 1, ranks_per_node = 1, concurrent_groups = 1;
  std::string source;      ///< the measured series' origin
  std::string entry;       ///< the profile entry the predictions came from (its label)
  std::string algorithm;   ///< as predict used it
  std::string note;        ///< predict's note (what was scaled)
  std::vector<ScalingPoint> points;  ///< increasing sizes, each >= the minimum asked
  double median_abs_error = 0;       ///< median over points of |ratio - 1|
  double max_abs_error = 0;
  /// "all_reduce float32 inter 8x8 (64 ranks) all"
  std::string label() const;
};

/// Every aggregate series of `measured` (group "all" or a mesh axis's "[all]"; one per op,
/// dtype, ranks, k x g, concurrency, group and origin), its points of
/// at least `min_bytes`, predicted with `predict` at the series' own ranks, nodes and
/// concurrency; series in order of first appearance. Throws InputError (predict's, naming the
/// profile) when the profile has no entry of a series' op and tier, and when no point is at
/// least `min_bytes`.
std::vector<ScalingSeries> check_scaling(const Profile& profile,
                                         const std::vector<Measurement>& measured,
                                         double min_bytes);

}  // namespace meshbench::fit
