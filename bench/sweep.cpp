#include "bench/sweep.hpp"

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <numeric>
#include <set>
#include <unistd.h>

#include "bench/collectives/collective_test.hpp"
#include "bench/executor.hpp"
#include "bench/harness.hpp"
#include "bench/verify.hpp"

namespace meshbench {
namespace {

/// State shared by the repetitions of one registered point.
struct Point {
  Communicator* world;
  const GroupLayout* layout;
  bool isolate;
  const SweepConfig* config;
  PointSink* sink;
  SweepOutcome* outcome;
  const CollectiveTest* test;
  PointContext ctx;  ///< of this rank in its group
  int repetitions_done = 0;
};

/// Runs `fn` on this rank's group: all groups at once, or one group after another with the
/// other ranks waiting at a world barrier after each.
template <typename Fn>
void on_groups(Point& p, Fn&& fn) {
  if (!p.isolate) {
    fn();
    return;
  }
  for (int g = 0; g < p.layout->group_count(); ++g) {
    if (g == p.layout->my_group) fn();
    p.world->barrier();
  }
}

/// The row of one series of the point (a group's, or the max over groups) whose p50 and
/// interval are `ci`.
PointResult base_result(const Point& p, const Measurement& m, const std::vector<double>& samples_us,
                        const MedianInterval& ci) {
  PointResult r;
  r.op = p.test->op();
  r.dtype = p.ctx.dtype;
  r.ranks = p.ctx.nranks;
  r.mesh = p.layout->mesh;
  r.order = p.layout->order;
  r.axis = p.layout->axis;
  r.groups = p.layout->group_count();
  r.isolate = p.isolate;
  r.in_place = p.ctx.in_place;
  r.repetition = p.repetitions_done;
  r.iters = static_cast<int>(samples_us.size());
  r.warmup_iters = m.warmup_iters;
  r.stop = m.stop;
  r.p50_ci_low_us = ci.low;
  r.p50_ci_high_us = ci.high;
  r.size_bytes = p.ctx.counts.size_bytes;
  r.count = r.size_bytes / element_bytes(p.ctx.dtype);
  r.time_us = summarize(samples_us);
  r.busbw_factor = busbw_factor(r.op, r.ranks);
  r.algbw_GBps = algbw_GBps(r.size_bytes, r.time_us.p50);
  r.busbw_GBps = r.algbw_GBps * r.busbw_factor;
  return r;
}

/// Measures one point with the harness: each group's slowest rank per iteration.
Measurement measure_point(Point& p, CallTimer& timer) {
  const CollectiveTest& test = *p.test;
  MeasureSettings settings = p.config->measure;
  // Back to back, a broadcast's receivers read what the root sent ahead: one call alone each.
  if (!op_traits(test.op()).synchronizing) settings.max_batch = 1;
  Harness harness(*p.world, settings);
  return harness.measure(
      [&] {
        double seconds = 0;
        on_groups(p, [&] { seconds = test.reported_seconds(p.ctx, timer.sample_seconds()); });
        return seconds;
      },
      p.layout->group_count(), p.layout->my_group);
}

/// Verifies the point's output: wrong elements per group, summed over each group's ranks.
std::vector<std::uint64_t> verify_point(Point& p, Executor& exec, Buffers& buffers,
                                        const BufferLayout& buffer_layout) {
  Communicator& world = *p.world;
  Communicator& comm = *p.layout->comm;
  const CollectiveTest& test = *p.test;
  const auto groups = static_cast<std::size_t>(p.layout->group_count());
  std::vector<std::uint64_t> wrong(groups, 0), group_wrong(groups, 0);
  // Out of place, the output of the last timed call is checked: what was timed is what is
  // verified. In place, the timed calls consumed their own inputs (a sum grows with every
  // call), so the inputs are refilled and one more call is checked, as nccl-tests does.
  if (p.ctx.in_place) {
    exec.fill(buffers, buffer_layout, p.ctx);
    on_groups(p, [&] {
      test.run(comm, p.ctx, buffers);
      comm.synchronize();
    });
  }
  const std::size_t n = test.checked_count(p.ctx);
  if (p.config->corrupt_rank == world.rank() && n > 0) exec.corrupt(buffers, p.ctx.dtype, n / 2);
  wrong[static_cast<std::size_t>(p.layout->my_group)] =
      exec.count_wrong(buffers, p.ctx.dtype, n, test.expected_form(p.ctx));
  world.all_reduce(wrong.data(), group_wrong.data(), groups, Datatype::kUint64, ReduceOp::kSum);
  return group_wrong;
}

void run_point(benchmark::State& state, Point& p) {
  Communicator& comm = *p.layout->comm;
  const SweepConfig& cfg = *p.config;
  const CollectiveTest& test = *p.test;
  const auto groups = static_cast<std::size_t>(p.layout->group_count());
  const std::unique_ptr<Executor> exec = comm.make_executor();
  const BufferLayout buffer_layout = test.buffer_layout(p.ctx);
  Buffers buffers = exec->allocate(buffer_layout, p.ctx);
  const auto timer = exec->timer([&] { test.run(comm, p.ctx, buffers); }, cfg.launch);

  Measurement m;
  for (auto _ : state) {  // one Google Benchmark iteration: the whole harness run
    m = measure_point(p, *timer);
    state.SetIterationTime(m.p50_us.p50 * 1e-6);
  }
  std::vector<std::uint64_t> group_wrong(groups, 0);
  if (cfg.check) group_wrong = verify_point(p, *exec, buffers, buffer_layout);

  // One row per group (when there are several), then the aggregate.
  if (groups > 1) {
    for (std::size_t g = 0; g < groups; ++g) {
      PointResult r = base_result(p, m, m.slot_samples_us[g], median_ci95(m.slot_samples_us[g]));
      const GroupPlacement& place = p.layout->placements[g];
      r.group = std::to_string(g);
      r.tier = std::string(place.tier());
      r.group_nodes = place.nodes;
      r.group_ranks_per_node = place.ranks_per_node;
      if (cfg.check) r.wrong = group_wrong[g];
      if (p.sink) p.sink->on_point(r, m.slot_samples_us[g]);
    }
  }
  PointResult r = base_result(p, m, m.samples_us, m.p50_us);
  r.group = "all";
  r.tier = p.layout->common_tier();
  for (const GroupPlacement& place : p.layout->placements) {
    r.group_nodes = std::max(r.group_nodes, place.nodes);
    r.group_ranks_per_node = std::max(r.group_ranks_per_node, place.ranks_per_node);
  }
  if (cfg.check) {
    r.wrong = std::accumulate(group_wrong.begin(), group_wrong.end(), std::uint64_t{0});
    p.outcome->wrong += r.wrong;
  }
  p.outcome->points += 1;
  ++p.repetitions_done;

  state.counters["bytes"] = static_cast<double>(r.size_bytes);
  state.counters["ranks"] = r.ranks;
  state.counters["groups"] = r.groups;
  state.counters["iters"] = r.iters;
  state.counters["warmup_iters"] = r.warmup_iters;
  state.counters["time_us_min"] = r.time_us.min;
  state.counters["time_us_p50"] = r.time_us.p50;
  state.counters["time_us_p50_ci_low"] = r.p50_ci_low_us;
  state.counters["time_us_p50_ci_high"] = r.p50_ci_high_us;
  state.counters["time_us_mean"] = r.time_us.mean;
  state.counters["time_us_p99"] = r.time_us.p99;
  state.counters["time_us_max"] = r.time_us.max;
  state.counters["time_cv"] = r.time_us.cv;
  state.counters["algbw_GBps"] = r.algbw_GBps;
  state.counters["busbw_GBps"] = r.busbw_GBps;
  if (r.checked()) state.counters["wrong"] = static_cast<double>(r.wrong);
  if (p.sink) p.sink->on_point(r, m.samples_us);
}

}  // namespace

std::uint64_t sweep_buffer_bytes(const SweepConfig& config, int group_size) {
  std::uint64_t most = 0;
  const std::uint64_t elem = element_bytes(config.dtype);
  for (CollectiveOp op : config.ops) {
    if (group_size < min_ranks(op)) continue;
    const ElementCounts counts = element_counts(op, config.max_bytes, group_size, elem);
    PointContext ctx;
    ctx.nranks = group_size;
    ctx.dtype = config.dtype;
    ctx.counts = counts;
    ctx.in_place = config.in_place && collective_test(op).has_in_place();
    most = std::max<std::uint64_t>(most, collective_test(op).buffer_layout(ctx).total_bytes);
  }
  return most;
}

std::uint64_t host_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page <= 0) return 0;
  return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page);
}

std::vector<SkippedPoint> register_sweep_benchmarks(Communicator& world, const GroupLayout& layout,
                                                    bool isolate, const SweepConfig& config,
                                                    PointSink* sink, SweepOutcome& outcome) {
  Communicator& comm = *layout.comm;
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
      skipped.push_back({op, 0, fmt::format("needs {} ranks, {} {}", min_ranks(op),
                                                 layout.order.empty() ? "the job has" : "a group has",
                                                 nranks)});
      continue;
    }
    if (config.in_place && !collective_test(op).has_in_place()) {
      skipped.push_back({op, 0, "has no in-place form"});
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
      point->world = &world;
      point->layout = &layout;
      point->isolate = isolate;
      point->config = &config;
      point->sink = sink;
      point->outcome = &outcome;
      point->test = &collective_test(op);
      point->ctx = PointContext{comm.rank(), nranks,    config.dtype,   counts,
                                config.seed, magnitude, config.in_place};
      const std::string name =
          fmt::format("{}{}/{}/{}", layout.order.empty() ? "" : layout.label() + "/", op_name(op),
                      dtype_name(config.dtype), counts.size_bytes);
      benchmark::RegisterBenchmark(name.c_str(),
                                   [point](benchmark::State& state) { run_point(state, *point); })
          ->UseManualTime()
          ->Iterations(1)
          ->Unit(benchmark::kMicrosecond);
    }
  }
  return skipped;
}

}  // namespace meshbench
