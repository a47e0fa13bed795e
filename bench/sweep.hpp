#pragma once
// The sweep driver: one Google Benchmark benchmark per (op, size), all with manual time.
//
// Per iteration each rank times one call, the times are max-reduced across ranks, and the max
// is what Google Benchmark records (so every rank makes the same iteration decisions) and what
// the sample distribution keeps. Iterations are fixed by -n, as in nccl-tests.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "bench/communicator.hpp"
#include "bench/stats.hpp"
#include "bench/sweep_config.hpp"

namespace meshbench {

/// One measured (op, size, dtype, group, repetition) point.
struct PointResult {
  static constexpr std::uint64_t kNotChecked = UINT64_MAX;  ///< `wrong` when run with -c 0

  CollectiveOp op = CollectiveOp::kAllReduce;
  Datatype dtype = Datatype::kFloat32;
  int ranks = 1;               ///< ranks in the group
  std::string group = "world";
  int repetition = 0;          ///< 0-based, one per --benchmark_repetitions
  int iters = 0;
  int warmup_iters = 0;
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

/// Registers one benchmark per (op, size) of `config` with Google Benchmark, named
/// "<op>/<dtype>/<size_bytes>" (filterable with --benchmark_filter). `comm`, `sink` (may be
/// null) and `outcome` must outlive benchmark::RunSpecifiedBenchmarks(). Returns the points
/// left out. Throws UsageError when verification cannot be exact for this dtype and rank count.
std::vector<SkippedPoint> register_sweep_benchmarks(Communicator& comm, const SweepConfig& config,
                                                    PointSink* sink, SweepOutcome& outcome);

}  // namespace meshbench
