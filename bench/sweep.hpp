#pragma once
// The sweep driver: one Google Benchmark benchmark per (op, size), all with manual time.
//
// Each benchmark is one Google Benchmark iteration that runs the harness (bench/harness.hpp):
// per iteration each rank times one call and the times are max-reduced across ranks; the
// harness decides the warm-up and when to stop (adaptively, or exactly -n as nccl-tests does).
// Google Benchmark is given the p50 as the iteration's manual time, and the distribution,
// iterations and confidence interval as counters.
//
// On a mesh axis every group runs its own call at the same time (or one group after another
// with `isolate`); each iteration keeps the max of each group and the max over all groups, so
// a point gives one row per group and an aggregate row (group "all").

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "bench/communicator.hpp"
#include "bench/group_layout.hpp"
#include "bench/stats.hpp"
#include "bench/sweep_config.hpp"

namespace meshbench {

/// One measured (op, size, dtype, group, repetition) point.
struct PointResult {
  static constexpr std::uint64_t kNotChecked = UINT64_MAX;  ///< `wrong` when run with -c 0

  CollectiveOp op = CollectiveOp::kAllReduce;
  Datatype dtype = Datatype::kFloat32;
  int ranks = 1;               ///< ranks in the group
  std::string mesh = "world";  ///< GroupLayout::mesh
  std::string order;           ///< GroupLayout::order
  std::string axis = "world";  ///< GroupLayout::axis
  int groups = 1;              ///< groups of the axis (run at once unless isolated)
  bool isolate = false;        ///< groups ran one at a time
  bool in_place = false;       ///< output aliased input (--in-place)
  std::string group = "all";   ///< group index, or "all" for the max over all groups
  std::string tier = "intra";  ///< "intra", "inter", or "mixed" (aggregate of unlike groups)
  int group_nodes = 1;         ///< k: nodes the group spans (max over groups for "all")
  int group_ranks_per_node = 1;  ///< g: most ranks of the group on one node (max for "all")
  int repetition = 0;          ///< 0-based, one per --benchmark_repetitions
  int iters = 0;                 ///< timed iterations kept
  int warmup_iters = 0;          ///< untimed iterations (adaptive: incl. transients dropped)
  double p50_ci_low_us = 0;      ///< 95% confidence interval of time_us.p50 (bench/harness.hpp)
  double p50_ci_high_us = 0;
  std::string stop = "fixed";    ///< why measuring stopped: fixed, precision, max_time, max_iters
  std::uint64_t size_bytes = 0;  ///< nccl-tests size (patterns/collective.hpp)
  std::uint64_t count = 0;       ///< size_bytes / element size
  SampleSummary time_us;         ///< of the per-iteration max over ranks
  double busbw_factor = 1;
  double algbw_GBps = 0;         ///< size_bytes / time_us.p50 (GB = 1e9 bytes)
  double busbw_GBps = 0;         ///< algbw_GBps x busbw_factor
  std::uint64_t wrong = kNotChecked;  ///< wrong elements summed over ranks
  bool checked() const { return wrong != kNotChecked; }
};

/// Receives each point as soon as it is measured (rank 0 only).
class PointSink {
 public:
  virtual ~PointSink() = default;
  virtual void on_point(const PointResult& point, std::span<const double> samples_us) = 0;
};

/// Totals across the sweep, updated by the registered benchmarks as they run.
struct SweepOutcome {
  std::size_t points = 0;
  std::uint64_t wrong = 0;
};

/// A (op, size) pair that the sweep leaves out, and why (e.g. rounds to 0 elements).
struct SkippedPoint {
  CollectiveOp op;
  std::uint64_t requested_bytes;
  std::string reason;
};

/// The largest buffer allocation (BufferLayout::total_bytes) one rank makes for any point of
/// `config` on groups of `group_size` ranks: what -e asks of memory. Saturates at UINT64_MAX.
std::uint64_t sweep_buffer_bytes(const SweepConfig& config, int group_size);

/// Physical memory of this node in bytes (sysconf), 0 when unknown.
std::uint64_t host_memory_bytes();

/// Registers one benchmark per (op, size) of `config` with Google Benchmark, named
/// "<op>/<dtype>/<size_bytes>" for the world layout and "<axis>@<order>/<op>/<dtype>/<size>" on
/// a mesh axis (filterable with --benchmark_filter). Collectives run on `layout`'s groups;
/// `world` synchronises iterations and reduces timings. `world`, `layout`, `sink` (may be null)
/// and `outcome` must outlive benchmark::RunSpecifiedBenchmarks(). Returns the points left out.
/// Throws UsageError when verification cannot be exact for this dtype and group size.
std::vector<SkippedPoint> register_sweep_benchmarks(Communicator& world, const GroupLayout& layout,
                                                    bool isolate, const SweepConfig& config,
                                                    PointSink* sink, SweepOutcome& outcome);

}  // namespace meshbench
