#pragma once
// The measurement harness: the commands that time collectives (sweep, compare, accept,
// pattern, pairs) hand it a sample function and get back the per-iteration times, max over
// ranks, with the warm-up and stopping decided in one place.
//
//   Workload (buffers, the call, expected values: bench/collectives, bench/executor.hpp)
//     -> Harness (warm-up, per-iteration time on the backend's clock, max over ranks,
//        stopping; verification stays with the workload, run after measure())
//     -> Sinks (console table, CSV, JSON, Google Benchmark, JUnit: bench/reporters).
//
// Two modes. Fixed (-n given): exactly `warmup_iters` untimed calls, a barrier, then exactly
// `iters` timed ones, as nccl-tests runs them. Adaptive (the default): warm up until the
// per-iteration time is stable, then time until the 95% confidence interval of the p50 is
// within +-precision of it, bounded by min/max iterations and time. Every rank makes the same
// decisions: each batch's per-call max over ranks, and a stop vote, travel in one reduction.
//
// Both modes run calls back to back between reductions, as OSU and nccl-tests time them: a
// reduction after every call would start the next one from the reduction's exit skew and a
// cold wake-up, which on a small intra-node call is most of what a sample measures. Each call
// keeps its own sample; a batch's samples travel in its one reduction (calls_per_reduction).

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bench/communicator.hpp"
#include "bench/interrupt.hpp"
#include "bench/stats.hpp"

namespace meshbench {

inline constexpr double kBatchSeconds = 2e-3;  ///< a batch of short calls takes about this
inline constexpr int kMinBatch = 4;            ///< calls per reduction at least, time allowing
inline constexpr double kMaxBatchSeconds = 0.5;  ///< bounds a batch of long calls (interrupts)
inline constexpr int kMaxBatch = 64;           ///< calls per reduction at most
inline constexpr int kMaxReductionDoubles = 1 << 16;  ///< 512 KiB per reduction at most

/// How long a point is measured. Times in seconds of the sample clock.
struct MeasureSettings {
  bool adaptive = true;       ///< false: fixed iteration counts (-n given)
  int iters = 20;             ///< fixed: timed iterations
  int warmup_iters = -1;      ///< untimed calls, exactly; -1: until stable (adaptive), 0 (fixed)
  double precision = 0.01;    ///< adaptive: target half-width of the p50's 95% CI, / p50
  int min_iters = 10;         ///< adaptive: timed iterations at least (even past max_time_s)
  int max_iters = 1 << 20;    ///< adaptive: timed iterations at most (bounds memory)
  double min_time_s = 0;      ///< adaptive: timed wall time at least, per point
  double max_time_s = 0.02;   ///< adaptive: timed wall time at most, per point
  double warmup_max_time_s = 0.01;  ///< adaptive: warm-up wall time at most, per point
  /// Calls per reduction at most (calls_per_reduction): 1 for an op whose calls overlap when
  /// run back to back (OpTraits::synchronizing false), so each sample is one call alone.
  int max_batch = kMaxBatch;
};

/// The decisions of adaptive measurement, as a pure function of the per-iteration times it is
/// fed (identical on every rank) and the elapsed time (each rank's own clock). Warm-up runs in
/// batches of kWarmupBatch iterations and ends when two consecutive batch medians agree within
/// kWarmupTolerance, or its time budget is spent. Timing then checks at geometrically spaced
/// counts (O(n) total work): stop when the distribution-free 95% CI of the median (order
/// statistics: median_ci95 in bench/stats.hpp) is within +-precision, never before min_iters
/// samples (min_iters outranks the time budget); if the first half's median exceeds the second's by
/// more than kDriftTolerance and their confidence intervals are disjoint, the first half was
/// still a transient: it becomes warm-up.
class AdaptiveStop {
 public:
  static constexpr int kWarmupBatch = 8;
  static constexpr double kWarmupTolerance = 0.05;
  static constexpr double kDriftTolerance = 0.05;
  /// Votes (max-reduced over ranks, so the phase ends only when every rank agrees).
  static constexpr double kVoteEnd = 0;       ///< past this phase's time budget
  static constexpr double kVoteGo = 1;        ///< within budget (and past --min-time)
  static constexpr double kVoteMinTime = 2;   ///< timed phase: --min-time not reached yet
  static constexpr double kVoteInterrupt = 3;  ///< this rank was signalled (bench/interrupt.hpp)

  enum Reason { kFixed = 0, kPrecision = 1, kMaxTime = 2, kMaxIters = 3 };

  /// settings.warmup_iters >= 0 fixes the warm-up count; -1 warms up until stable.
  explicit AdaptiveStop(const MeasureSettings& settings);

  /// This rank's vote before the next batch of calls, from its own clock: seconds since the point
  /// began.
  double vote(double elapsed_s) const;
  /// Adds one iteration's time (max over ranks, microseconds) with the max of the votes cast
  /// before its batch; decides the phase. Memory: max_iters bounds the timed samples fed, kept or
  /// dropped.
  void add(double time_us, double reduced_vote, double elapsed_s);

  bool done() const { return done_; }
  bool warming_up() const { return warming_; }
  /// Untimed iterations: the warm-up, plus timed transients dropped by the drift check.
  int warmup_iters() const { return warmup_done_ + static_cast<int>(dropped_); }
  /// The timed samples kept: all timed samples from first_kept() on.
  const std::vector<double>& samples_us() const { return samples_; }
  std::size_t first_kept() const { return dropped_; }
  Reason stop_reason() const { return reason_; }

 private:
  void end_warmup(double elapsed_s);
  /// Drops the first half of the samples when it is still a transient; true if it did.
  bool drop_transient();

  MeasureSettings s_;
  bool warming_ = true;
  bool done_ = false;
  int warmup_done_ = 0;
  std::vector<double> batch_;
  double last_batch_median_ = -1;
  double warmup_end_s_ = 0;
  std::vector<double> samples_;  ///< kept timed samples
  std::size_t dropped_ = 0;      ///< timed samples dropped as a transient
  std::size_t next_check_ = 0;
  Reason reason_ = kMaxTime;
  std::vector<double> scratch_;  ///< reused by the checks: no allocation per check
};

/// How many calls run back to back before the next reduction: as many as take kBatchSeconds
/// at `last_call_s` (the longest call of the previous batch, max over ranks; 0 before the
/// first batch gives 1), but at least kMinBatch, so that the p50 is of calls that did not
/// start from the reduction's skew (only the first of a batch does), unless kMinBatch calls
/// would take more than kMaxBatchSeconds (then as many as fit, at least 1); at most
/// min(kMaxBatch, max_batch),
/// `remaining` (fixed mode's iterations left; <= 0: no limit) and what keeps slots x calls + 1
/// within kMaxReductionDoubles. Identical inputs on every rank give every rank the same batch.
int calls_per_reduction(double last_call_s, int slots, int remaining, int max_batch = kMaxBatch);

/// Why a point stopped: "fixed" (-n), "precision" (CI reached), "max_time", "max_iters".
std::string stop_reason_name(AdaptiveStop::Reason reason);

/// One measured point.
struct Measurement {
  std::vector<double> samples_us;                  ///< per timed iteration: max over ranks
  std::vector<std::vector<double>> slot_samples_us;  ///< per slot: that slot's max over ranks
  int warmup_iters = 0;                            ///< untimed (incl. transients dropped)
  MedianInterval p50_us;                           ///< p50 of samples_us and its 95% CI
  std::string stop;                                ///< stop_reason_name
  int iters() const { return static_cast<int>(samples_us.size()); }  ///< timed, kept
};

/// Runs the iterations of one point on every rank of `world` (collective over it).
class Harness {
 public:
  /// `interrupted` is asked before every reduction (default: SIGINT or SIGTERM received);
  /// once it is true on any rank, measure throws Interrupted on every rank at the reduction
  /// that carries it.
  Harness(Communicator& world, MeasureSettings settings,
          std::function<bool()> interrupted = interrupt_requested);

  /// `sample` runs one iteration on this rank and returns its seconds (the workload's timer:
  /// the backend's clock). Each iteration's time is placed in slot `my_slot` of `slots`
  /// (a group, or a rank) and max-reduced over the world, so every slot's slowest rank and the
  /// max over all slots are known on every rank. Iterations run in batches of
  /// calls_per_reduction; in adaptive mode the calls of a batch past the stop are run but not
  /// kept. Memory: the samples of all slots stay
  /// within 2^25 doubles (256 MiB) per rank (adaptive max_iters is lowered to fit). Throws what
  /// `sample` throws, Interrupted (on every rank together), and std::invalid_argument for
  /// my_slot outside [0, slots).
  Measurement measure(const std::function<double()>& sample, int slots, int my_slot);

 private:
  Measurement measure_fixed(const std::function<double()>& sample, int slots, int my_slot);
  Measurement measure_adaptive(const std::function<double()>& sample, int slots, int my_slot,
                               const MeasureSettings& s);

  double interrupt_vote() const;

  Communicator& world_;
  MeasureSettings s_;
  std::function<bool()> interrupted_;
};

}  // namespace meshbench
