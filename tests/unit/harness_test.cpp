// The harness's decisions (bench/harness.hpp): the median's confidence interval, warm-up until
// stable, the precision stop, the drift check, the time votes, and fixed mode's exact counts.

#include "bench/harness.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <numeric>
#include <stdexcept>

namespace meshbench {
namespace {

TEST(MedianCi95, OrderStatisticsOfOneToHundred) {
  std::vector<double> v(100);
  std::iota(v.begin(), v.end(), 1.0);
  const MedianInterval m = median_ci95(v);
  // ranks floor(50 - 9.8) = 40 and ceil(50 + 9.8 + 1) = 61
  EXPECT_DOUBLE_EQ(m.low, 40);
  EXPECT_DOUBLE_EQ(m.high, 61);
  EXPECT_DOUBLE_EQ(m.p50, 50.5);  // the mean of the middle two, as summarize's p50
  EXPECT_THROW(median_ci95(std::vector<double>{}), std::invalid_argument);
  const MedianInterval one = median_ci95(std::vector<double>{3.0});
  EXPECT_DOUBLE_EQ(one.low, 3);
  EXPECT_DOUBLE_EQ(one.high, 3);
}

MeasureSettings adaptive(int warmup_iters) {
  MeasureSettings s;
  s.warmup_iters = warmup_iters;
  s.min_iters = 10;
  return s;
}

TEST(AdaptiveStop, ExactWarmupCountThenPrecisionStopOnSteadySamples) {
  AdaptiveStop stop(adaptive(3));
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(stop.warming_up());
    stop.add(100.0, AdaptiveStop::kVoteGo, 0);
  }
  EXPECT_FALSE(stop.warming_up());
  int timed = 0;
  while (!stop.done()) {
    stop.add(10.0, AdaptiveStop::kVoteGo, 0);
    ++timed;
  }
  EXPECT_EQ(timed, 10);  // min_iters, then the interval has zero width
  EXPECT_EQ(stop.stop_reason(), AdaptiveStop::kPrecision);
  EXPECT_EQ(stop.warmup_iters(), 3);
}

TEST(AdaptiveStop, WarmupEndsWhenTwoBatchMediansAgree) {
  AdaptiveStop stop(adaptive(-1));
  const int b = AdaptiveStop::kWarmupBatch;
  for (int i = 0; i < b; ++i) stop.add(7.0, AdaptiveStop::kVoteGo, 0);   // a slow transient
  for (int i = 0; i < b; ++i) stop.add(1.5, AdaptiveStop::kVoteGo, 0);   // 1.5 != 7: go on
  EXPECT_TRUE(stop.warming_up());
  for (int i = 0; i < b; ++i) stop.add(1.52, AdaptiveStop::kVoteGo, 0);  // within 5%: stable
  EXPECT_FALSE(stop.warming_up());
  EXPECT_EQ(stop.warmup_iters(), 3 * b);
}

TEST(AdaptiveStop, WarmupEndsOnTheTimeVoteEvenWhenUnstable) {
  AdaptiveStop stop(adaptive(-1));
  EXPECT_EQ(stop.vote(0.0), AdaptiveStop::kVoteGo);
  EXPECT_EQ(stop.vote(1.0), AdaptiveStop::kVoteEnd);  // past the 0.01 s warm-up budget
  stop.add(5.0, AdaptiveStop::kVoteGo, 0);
  stop.add(50.0, AdaptiveStop::kVoteEnd, 0.02);
  EXPECT_FALSE(stop.warming_up());
  EXPECT_EQ(stop.warmup_iters(), 2);
}

TEST(AdaptiveStop, NoisySamplesStopOnTheTimeBudgetNotOnPrecision) {
  AdaptiveStop stop(adaptive(0));
  for (int i = 0; i < 200; ++i) stop.add(i % 2 ? 9.0 : 11.0, AdaptiveStop::kVoteGo, 0);
  EXPECT_FALSE(stop.done());  // the interval spans 9..11: +-10%, not +-1%
  stop.add(10.0, AdaptiveStop::kVoteEnd, 1.0);
  EXPECT_TRUE(stop.done());
  EXPECT_EQ(stop.stop_reason(), AdaptiveStop::kMaxTime);
}

TEST(AdaptiveStop, MinTimeVoteHoldsOffThePrecisionStop) {
  AdaptiveStop stop(adaptive(0));
  for (int i = 0; i < 50; ++i) stop.add(10.0, AdaptiveStop::kVoteMinTime, 0);
  EXPECT_FALSE(stop.done());
  MeasureSettings s = adaptive(0);
  s.min_time_s = 0.5;
  s.max_time_s = 1;
  AdaptiveStop timed(s);
  EXPECT_EQ(timed.vote(0.1), AdaptiveStop::kVoteMinTime);
  EXPECT_EQ(timed.vote(0.6), AdaptiveStop::kVoteGo);
}

TEST(AdaptiveStop, ATransientAfterWarmupIsDroppedByTheDriftCheck) {
  AdaptiveStop stop(adaptive(0));
  for (int i = 0; i < 10; ++i) stop.add(i % 2 ? 19.0 : 21.0, AdaptiveStop::kVoteGo, 0);
  int steady = 0;
  while (!stop.done() && steady < 1000) {
    stop.add(5.0, AdaptiveStop::kVoteGo, 0);
    ++steady;
  }
  ASSERT_TRUE(stop.done());
  EXPECT_EQ(stop.stop_reason(), AdaptiveStop::kPrecision);
  EXPECT_GE(stop.first_kept(), 10u);  // the first half when the check ran: all the transient
  EXPECT_LE(stop.first_kept(), 14u);
  EXPECT_EQ(stop.warmup_iters(), static_cast<int>(stop.first_kept()));
  for (double s : stop.samples_us()) EXPECT_DOUBLE_EQ(s, 5.0);
  EXPECT_LE(steady, 14);  // checked again right after the drop, not n/8 later
}

TEST(AdaptiveStop, MinItersOutranksTheTimeBudget) {
  AdaptiveStop stop(adaptive(0));
  int n = 0;
  while (!stop.done()) {
    stop.add(n % 2 ? 9.0 : 11.0, AdaptiveStop::kVoteEnd, 1.0);
    ++n;
  }
  EXPECT_EQ(n, 10);
  EXPECT_EQ(stop.stop_reason(), AdaptiveStop::kMaxTime);
}

TEST(AdaptiveStop, MaxItersBoundsMemory) {
  MeasureSettings s = adaptive(0);
  s.max_iters = 30;
  AdaptiveStop stop(s);
  int n = 0;
  while (!stop.done()) {
    stop.add(n % 2 ? 9.0 : 11.0, AdaptiveStop::kVoteGo, 0);
    ++n;
  }
  EXPECT_EQ(n, 30);
  EXPECT_EQ(stop.stop_reason(), AdaptiveStop::kMaxIters);
}

/// One rank: reductions copy, barriers return.
class SoloCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void all_reduce(const void* send, void* recv, std::size_t count, Datatype dtype,
                  ReduceOp) override {
    std::memcpy(recv, send, count * element_bytes(dtype));
    ++reductions;
  }
  void all_gather(const void*, void*, std::size_t, Datatype) override {}
  void reduce_scatter(const void*, void*, std::size_t, Datatype) override {}
  void all_to_all(const void*, void*, std::size_t, Datatype) override {}
  void broadcast(void*, std::size_t, Datatype, int) override {}
  void send_recv(const void*, int, void*, int, std::size_t, Datatype) override {}
  void send(const void*, std::size_t, Datatype, int) override {}
  void recv(void*, std::size_t, Datatype, int) override {}
  void barrier() override {}
  std::unique_ptr<Communicator> split(int, int) override { return nullptr; }
  double wtime() const override { return 0; }
  void set_timeout(double) override {}
  int reductions = 0;
};

TEST(Harness, CallsPerReductionFillTheBatchTimeWithinItsBounds) {
  EXPECT_EQ(calls_per_reduction(0, 1, 0), 1);  // nothing measured yet
  EXPECT_EQ(calls_per_reduction(kBatchSeconds / 10, 1, 0), 10);
  EXPECT_EQ(calls_per_reduction(1e-9, 1, 0), kMaxBatch);
  // Long calls: still kMinBatch, so that most samples start back to back...
  EXPECT_EQ(calls_per_reduction(kBatchSeconds, 1, 0), kMinBatch);
  EXPECT_EQ(calls_per_reduction(kMaxBatchSeconds / kMinBatch, 1, 0), kMinBatch);
  // ... unless they would take longer than kMaxBatchSeconds.
  EXPECT_EQ(calls_per_reduction(kMaxBatchSeconds / 2.5, 1, 0), 2);
  EXPECT_EQ(calls_per_reduction(2 * kMaxBatchSeconds, 1, 0), 1);
  EXPECT_EQ(calls_per_reduction(1e-9, 1, 5), 5);  // fixed mode's iterations left
  EXPECT_EQ(calls_per_reduction(1e-9, kMaxReductionDoubles / 4, 0), 3);  // slots x calls + 1
  EXPECT_EQ(calls_per_reduction(1e-9, 10 * kMaxReductionDoubles, 0), 1);
  EXPECT_EQ(calls_per_reduction(1e-9, 1, 0, 1), 1);  // an op whose calls overlap: one alone
  EXPECT_EQ(calls_per_reduction(1e-9, 1, 0, 8), 8);
}

TEST(Harness, FixedModeRunsExactlyWarmupAndTimedIterations) {
  SoloCommunicator world;
  MeasureSettings s;
  s.adaptive = false;
  s.iters = 7;
  s.warmup_iters = 4;
  int calls = 0;
  const Measurement m = Harness(world, s).measure([&] { return ++calls * 1e-6; }, 2, 1);
  EXPECT_EQ(calls, 11);
  EXPECT_EQ(m.iters(), 7);
  EXPECT_EQ(m.warmup_iters, 4);
  EXPECT_EQ(m.stop, "fixed");
  // None in the warm-up; one after the first call, then the 6 left back to back in one.
  EXPECT_EQ(world.reductions, 2);
  ASSERT_EQ(m.slot_samples_us.size(), 2u);
  EXPECT_DOUBLE_EQ(m.slot_samples_us[1].front(), 5.0);  // the 5th call, in microseconds
  EXPECT_DOUBLE_EQ(m.slot_samples_us[1].back(), 11.0);  // each call keeps its own sample
  EXPECT_DOUBLE_EQ(m.slot_samples_us[1][3], 8.0);
  EXPECT_DOUBLE_EQ(m.slot_samples_us[0].front(), 0.0);
  EXPECT_DOUBLE_EQ(m.samples_us.back(), 11.0);
  EXPECT_THROW(Harness(world, s).measure([] { return 0.0; }, 2, 2), std::invalid_argument);
}

TEST(Harness, AnInterruptStopsBothModesAtTheReductionAfterIt) {
  for (const bool adaptive : {false, true}) {
    SoloCommunicator world;
    MeasureSettings s;
    s.adaptive = adaptive;
    s.iters = 1000;
    s.warmup_iters = 0;
    s.max_time_s = s.warmup_max_time_s = 600;
    int calls = 0;
    // The "signal" arrives during the 5th call, inside the second batch (calls 2 to 65): that
    // batch's reduction carries the vote, and no call runs after it.
    Harness h(world, s, [&] { return calls >= 5; });
    EXPECT_THROW(h.measure([&] { ++calls; return 1e-6; }, 1, 0), Interrupted);
    EXPECT_EQ(calls, 1 + kMaxBatch) << (adaptive ? "adaptive" : "fixed");
    EXPECT_EQ(world.reductions, 2);  // no reduction added for the vote
  }
}

TEST(Harness, AdaptiveModeStopsOnPrecisionWithOneReductionPerBatch) {
  SoloCommunicator world;
  MeasureSettings s;  // adaptive, warm-up until stable; budgets the clock cannot reach here
  s.warmup_max_time_s = 600;
  s.max_time_s = 600;
  int calls = 0;
  const Measurement m = Harness(world, s).measure([&] { ++calls; return 2e-6; }, 1, 0);
  EXPECT_EQ(m.stop, "precision");
  EXPECT_EQ(m.iters(), s.min_iters);
  EXPECT_EQ(m.warmup_iters, 2 * AdaptiveStop::kWarmupBatch);
  // One call, then a batch of 64 in which warm-up and timing both end; its rest is not kept.
  EXPECT_EQ(calls, 1 + kMaxBatch);
  EXPECT_EQ(world.reductions, 2);
  EXPECT_DOUBLE_EQ(m.p50_us.low, 2.0);
  EXPECT_DOUBLE_EQ(m.p50_us.high, 2.0);
}

TEST(Harness, WarmupEndingInsideABatchDoesNotEndTheTimedPhaseWithItsBudgetVote) {
  SoloCommunicator world;
  MeasureSettings s;
  s.warmup_max_time_s = 1e-9;  // spent once the first call has run: the 2nd batch says so
  s.max_time_s = 600;
  s.precision = 1e-9;       // precision never stops it: only max_iters can
  s.max_iters = 40;
  int calls = 0;
  const Measurement m =
      Harness(world, s).measure([&] { return (++calls % 2 ? 1.0 : 3.0) * 1e-6; }, 1, 0);
  EXPECT_EQ(m.stop, "max_iters");  // not "max_time" from the warm-up's vote
  EXPECT_EQ(m.iters(), 40);
}

TEST(Harness, SlotSeriesStayAlignedWithTheKeptSamplesAfterADrop) {
  SoloCommunicator world;
  MeasureSettings s;
  s.warmup_iters = 0;
  s.max_time_s = 600;
  int calls = 0;
  const Measurement m = Harness(world, s).measure(
      [&] { return (++calls <= 10 ? (calls % 2 ? 19.0 : 21.0) : 5.0) * 1e-6; }, 3, 1);
  ASSERT_EQ(m.slot_samples_us.size(), 3u);
  EXPECT_GE(m.warmup_iters, 10);  // the transient
  EXPECT_EQ(m.slot_samples_us[1], m.samples_us);  // this rank's slot is every kept sample
  EXPECT_EQ(m.slot_samples_us[0].size(), m.samples_us.size());
  for (double v : m.samples_us) EXPECT_DOUBLE_EQ(v, 5.0);
}

}  // namespace
}  // namespace meshbench
