#include "bench/accept/accept_run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "bench/reporters/run_record.hpp"
#include "bench/verify.hpp"
#include "patterns/units.hpp"

namespace meshbench {

[[noreturn]] void AcceptRun::watchdog(int id, const std::string& what) {
  if (root) {
    std::string names;
    for (int r : board.missing(id)) {
      names += fmt::format("{}{} ({})", names.empty() ? "" : ", ", r, host_of_rank(r));
    }
    CheckResult c{what, false, false,
                  fmt::format("WATCHDOG: did not complete within {} s", e.timeout_s), {}, {}, {}};
    c.blame.push_back(names.empty() ? "every rank arrived: the collective itself stalled"
                                    : "ranks that never arrived: " + names);
    checks.push_back(c);
    write_accept_reports(out_dir, checks, topo);
    fmt::print(stderr, "meshbench accept: WATCHDOG: {} did not complete within {} s; {}\n", what,
               e.timeout_s, c.blame.front());
  } else {
    fmt::print(stderr, "meshbench accept: rank {} ({}): {} did not complete within {} s\n",
               topo.rank, host_of_rank(topo.rank), what, e.timeout_s);
    std::this_thread::sleep_for(std::chrono::seconds(3));  // rank 0 reports first
  }
  std::fflush(nullptr);
  mpi.abort(1);
  std::abort();  // not reached: abort ends the job
}

int AcceptRun::checkpoint(const std::string& what) {
  const int id = next_id++;
  board.arrive(id);
  try {
    world.barrier();
  } catch (const CollectiveTimeout&) {
    watchdog(id, what);
  }
  return id;
}

void AcceptRun::record_bad_input() {
  if (!root) return;
  finish_run_record(record, 2, 0, std::nullopt);
  write_json_file(out_dir / "run.json", record);
}

GroupWorkload::GroupWorkload(AcceptRun& run, CollectiveOp op, std::uint64_t bytes,
                             GroupAssignment groups, const std::string& name,
                             const std::string& where)
    : run_(run), op_(op), bytes_(bytes), groups_(std::move(groups)), name_(name),
      test_(collective_test(op)) {
  const Topology& topo = run.topo;
  const int mine = groups_.group_of_rank[static_cast<std::size_t>(topo.rank)];
  const int ngroups = static_cast<int>(groups_.names.size());
  run.checkpoint(name);
  comm_ = run.bench.comm->split(mine < 0 ? ngroups : mine, topo.rank);
  for (int g : groups_.group_of_rank) {
    if (g >= 0) ++group_sizes_[static_cast<std::size_t>(g)].ranks;
  }
  // Skipped on every rank when any group is too small (nodes may hold different rank
  // counts): a check measured by some ranks only would leave the others waiting.
  for (const GroupFigure& g : group_sizes_) {
    if (g.ranks < min_ranks(op)) {
      skip_reason_ = fmt::format("needs {} ranks in every group", min_ranks(op));
      return;
    }
  }
  active_ = mine >= 0;
  if (active_) {
    ctx_ = PointContext{comm_->rank(), comm_->size(), Datatype::kFloat32,
                        element_counts(op, bytes, comm_->size(), 4), 1,
                        verification_magnitude(Datatype::kFloat32, comm_->size())};
  }
  const std::uint64_t n = active_ ? static_cast<std::uint64_t>(comm_->size()) : 0;
  // One element, or one per rank block for the ops whose size splits into blocks.
  const std::uint64_t need =
      !active_ ? 0 : element_counts(op, 4, comm_->size(), 4).size_bytes > 0 ? 4 : 4 * n;
  const std::uint64_t buffer_bytes = active_ ? test_.buffer_layout(ctx_).total_bytes : 0;
  exec_ = comm_->make_executor();
  // A call count the library cannot take (MPI's int) is refused before 8 GiB are filled.
  const std::uint64_t count = active_ ? call_count(op, ctx_.counts, comm_->size()) : 0;
  const bool over_limit = count > comm_->max_call_count();
  bool no_memory = false;
  if (active_ && ctx_.counts.size_bytes > 0 && !over_limit) {
    try {
      buf_ = exec_->allocate(test_.buffer_layout(ctx_), ctx_);
    } catch (const std::exception&) {  // bad_alloc on the host, the backend's on a GPU
      no_memory = true;
    }
  }
  // [empty, out of memory, minimum size, group size, buffer bytes, count over the limit], max
  // over all ranks: every rank refuses together, and the message names the largest group's
  // figures.
  std::uint64_t here[6] = {active_ && ctx_.counts.size_bytes == 0 ? 1u : 0u, no_memory ? 1u : 0u,
                           need, n, buffer_bytes, over_limit ? count : 0};
  std::uint64_t most[6] = {};
  run.world.all_reduce(here, most, 6, Datatype::kUint64, ReduceOp::kMax);
  if (most[0] || most[1] || most[5]) {
    run.record_bad_input();  // the folder exists already: its run.json says how the run ended
    if (most[5]) {
      throw InputError(fmt::format("{}: {} is {} float32 elements per {} call, beyond the {} "
                                   "backend's count limit {} (use --backend nccl, or a smaller "
                                   "size)", where, bytes, most[5], op_name(op), run.bench.backend,
                                   comm_->max_call_count()));
    }
    if (most[0]) {
      throw InputError(fmt::format("{}: {} is below one float32 element per rank of {} on {} "
                                   "ranks (at least {} B)", where, bytes, op_name(op), most[3],
                                   most[2]));
    }
    throw InputError(fmt::format("{}: {} needs {} of buffers per rank, more than a rank could "
                                 "allocate", where, bytes,
                                 format_bytes_approx(static_cast<double>(most[4]))));
  }
  if (active_) timer_ = exec_->timer([this] { test_.run(*comm_, ctx_, buf_); }, LaunchPlan{});
}

AttemptFigures GroupWorkload::measure(Harness& harness, bool judge_busbw) {
  const Topology& topo = run_.topo;
  const int id = run_.checkpoint(name_);
  AttemptFigures a;
  a.wrong.assign(static_cast<std::size_t>(topo.world_size), 0);
  a.last_arrivals.assign(static_cast<std::size_t>(topo.world_size), 0);
  Measurement m;
  try {
    // Ranks outside every group take part in the reductions with zero times.
    m = harness.measure(
        [&] { return active_ ? test_.reported_seconds(ctx_, timer_->sample_seconds()) : 0.0; },
        topo.world_size, topo.rank);
    std::uint64_t wrong_here = 0;
    if (active_) {
      const std::size_t n = test_.checked_count(ctx_);
      if (run_.o.corrupt_rank == topo.rank && n > 0) exec_->corrupt(buf_, ctx_.dtype, n / 2);
      wrong_here = exec_->count_wrong(buf_, ctx_.dtype, n, test_.expected_form(ctx_));
    }
    run_.world.all_gather(&wrong_here, a.wrong.data(), 1, Datatype::kUint64);
  } catch (const CollectiveTimeout&) {
    run_.watchdog(id, name_);
  }
  a.groups = group_sizes_;
  std::vector<std::vector<int>> members(groups_.names.size());
  for (std::size_t r = 0; r < groups_.group_of_rank.size(); ++r) {
    if (groups_.group_of_rank[r] >= 0) members[static_cast<std::size_t>(groups_.group_of_rank[r])].push_back(static_cast<int>(r));
  }
  const std::size_t iters = m.samples_us.size();
  std::vector<double> times(iters);
  for (std::size_t g = 0; g < members.size(); ++g) {
    for (std::size_t i = 0; i < iters; ++i) {
      double worst = 0;
      int last = members[g].front();  // the rank that arrived last waited least inside the call
      for (int r : members[g]) {
        const double t = m.slot_samples_us[static_cast<std::size_t>(r)][i];
        worst = std::max(worst, t);
        if (t < m.slot_samples_us[static_cast<std::size_t>(last)][i]) last = r;
      }
      times[i] = worst;
      if (op_ != CollectiveOp::kPingPong) ++a.last_arrivals[static_cast<std::size_t>(last)];
    }
    GroupFigure& f = a.groups[g];
    f.time_us = median_ci95(times);
    const std::uint64_t bytes = element_counts(op_, bytes_, f.ranks, 4).size_bytes;
    f.busbw_GBps = algbw_GBps(bytes, f.time_us.p50) * busbw_factor(op_, f.ranks);
    f.value = judge_busbw ? f.busbw_GBps : f.time_us.p50;
  }
  return a;
}

const char* unit_of(const CollectiveExpectation& x) {
  return x.judged_by_busbw() ? "busbw_GBps" : "time_us_p50";
}

std::string value_text(double v, bool busbw) {
  return busbw ? fmt::format("{:.4g} GB/s busbw", v) : fmt::format("{:.4g} us", v);
}

}  // namespace meshbench
