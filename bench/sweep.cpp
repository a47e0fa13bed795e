#include "bench/sweep.hpp"

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <memory>
#include <set>

#include "bench/collectives/collective_test.hpp"
#include "bench/verify.hpp"

namespace meshbench {
namespace {

double max_over_ranks(Communicator& comm, double value) {
  double result = 0;
  comm.all_reduce(&value, &result, 1, Datatype::kFloat64, ReduceOp::kMax);
  return result;
}

std::uint64_t sum_over_ranks(Communicator& comm, std::uint64_t value) {
  std::uint64_t result = 0;
  comm.all_reduce(&value, &result, 1, Datatype::kUint64, ReduceOp::kSum);
  return result;
}

/// State shared by the repetitions of one registered point.
struct Point {
  Communicator* comm;
  const SweepConfig* config;
  PointSink* sink;
  SweepOutcome* outcome;
  const CollectiveTest* test;
  PointContext ctx;
  int repetitions_done = 0;
};

void run_point(benchmark::State& state, Point& p) {
  Communicator& comm = *p.comm;
  const SweepConfig& cfg = *p.config;
  const CollectiveTest& test = *p.test;
  Buffers buffers;
  test.init(p.ctx, buffers);

  for (int i = 0; i < cfg.warmup_iters; ++i) test.run(comm, p.ctx, buffers);
  comm.barrier();

  std::vector<double> samples_us;
  samples_us.reserve(static_cast<std::size_t>(cfg.iters));
  for (auto _ : state) {
    const double t0 = comm.wtime();
    test.run(comm, p.ctx, buffers);
    const double elapsed = comm.wtime() - t0;
    // The slowest rank defines the iteration; reducing here also keeps GB's decisions equal.
    const double worst = max_over_ranks(comm, test.reported_seconds(p.ctx, elapsed));
    state.SetIterationTime(worst);
    samples_us.push_back(worst * 1e6);
  }

  PointResult r;
  r.op = test.op();
  r.dtype = p.ctx.dtype;
  r.ranks = p.ctx.nranks;
  r.repetition = p.repetitions_done++;
  r.iters = cfg.iters;
  r.warmup_iters = cfg.warmup_iters;
  r.size_bytes = p.ctx.counts.size_bytes;
  r.count = r.size_bytes / element_bytes(p.ctx.dtype);
  r.time_us = summarize(samples_us);
  r.busbw_factor = busbw_factor(r.op, r.ranks);
  r.algbw_GBps = algbw_GBps(r.size_bytes, r.time_us.p50);
  r.busbw_GBps = r.algbw_GBps * r.busbw_factor;

  if (cfg.check) {
    // The output of the last timed call is checked: what was timed is what is verified.
    const std::size_t n = test.checked_count(p.ctx);
    if (cfg.corrupt_rank == p.ctx.rank && n > 0) {
      corrupt_element(buffers.recv.data(), p.ctx.dtype, n / 2);
    }
    const std::uint64_t mine = count_wrong(buffers.recv.data(), p.ctx.dtype, n,
                                           [&](std::size_t i) { return test.expected(p.ctx, i); });
    r.wrong = sum_over_ranks(comm, mine);
    p.outcome->wrong += r.wrong;
  }
  p.outcome->points += 1;

  state.counters["bytes"] = static_cast<double>(r.size_bytes);
  state.counters["ranks"] = r.ranks;
  state.counters["time_us_min"] = r.time_us.min;
  state.counters["time_us_p50"] = r.time_us.p50;
  state.counters["time_us_p99"] = r.time_us.p99;
  state.counters["time_us_max"] = r.time_us.max;
  state.counters["time_cv"] = r.time_us.cv;
  state.counters["algbw_GBps"] = r.algbw_GBps;
  state.counters["busbw_GBps"] = r.busbw_GBps;
  if (r.checked()) state.counters["wrong"] = static_cast<double>(r.wrong);
  if (p.sink) p.sink->on_point(r, samples_us);
}

}  // namespace

std::vector<SkippedPoint> register_sweep_benchmarks(Communicator& comm, const SweepConfig& config,
                                                    PointSink* sink, SweepOutcome& outcome) {
  const int nranks = comm.size();
  int magnitude = 1;
  try {
    magnitude = config.check ? verification_magnitude(config.dtype, nranks) : 1;
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("-c/--check: ") + e.what());
  }
  const auto sizes = sweep_sizes(config.min_bytes, config.max_bytes, config.step_factor);
  std::vector<SkippedPoint> skipped;
  for (CollectiveOp op : config.ops) {
    if (nranks < min_ranks(op)) {
      skipped.push_back({op, 0, fmt::format("needs {} ranks, the job has {}", min_ranks(op), nranks)});
      continue;
    }
    std::set<std::uint64_t> seen;  // sizes that round to the same element count run once
    for (std::uint64_t requested : sizes) {
      const ElementCounts counts =
          element_counts(op, requested, nranks, element_bytes(config.dtype));
      if (counts.size_bytes == 0) {
        skipped.push_back({op, requested,
                           fmt::format("rounds to 0 elements ({} x {} B per rank block)", nranks,
                                       element_bytes(config.dtype))});
        continue;
      }
      if (!seen.insert(counts.size_bytes).second) continue;
      auto point = std::make_shared<Point>();
      point->comm = &comm;
      point->config = &config;
      point->sink = sink;
      point->outcome = &outcome;
      point->test = &collective_test(op);
      point->ctx = PointContext{comm.rank(), nranks, config.dtype, counts, config.seed, magnitude};
      const std::string name =
          fmt::format("{}/{}/{}", op_name(op), dtype_name(config.dtype), counts.size_bytes);
      benchmark::RegisterBenchmark(name.c_str(),
                                   [point](benchmark::State& state) { run_point(state, *point); })
          ->UseManualTime()
          ->Iterations(config.iters)
          ->Unit(benchmark::kMicrosecond);
    }
  }
  return skipped;
}

}  // namespace meshbench
