#include "bench/accept_command.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <climits>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <optional>
#include <set>
#include <thread>

#include "bench/accept/baseline.hpp"
#include "bench/accept/bisection.hpp"
#include "bench/accept/expectations.hpp"
#include "bench/accept/groups.hpp"
#include "bench/accept/report.hpp"
#include "bench/backends/mpi/arrival_board.hpp"
#include "bench/collectives/collective_test.hpp"
#include "bench/executor.hpp"
#include "bench/gpu.hpp"
#include "bench/harness.hpp"
#include "bench/pair_matrix.hpp"
#include "bench/pattern_units.hpp"
#include "bench/reporters/run_output.hpp"
#include "bench/reporters/run_record.hpp"
#include "bench/stats.hpp"
#include "bench/sweep_config.hpp"
#include "bench/verify.hpp"
#include "patterns/units.hpp"

namespace meshbench {
namespace {

/// What one group measured in one attempt.
struct GroupFigure {
  int ranks = 0;
  MedianInterval time_us;   ///< p50 of the per-iteration max over the group's ranks, its CI
  double busbw_GBps = 0;
  double value = 0;  ///< what the check judges: busbw_GBps or time_us.p50
};

/// One measurement of every group at once.
struct AttemptFigures {
  std::vector<GroupFigure> groups;
  std::vector<std::uint64_t> wrong;   ///< wrong elements, per world rank
  std::vector<int> last_arrivals;     ///< iterations in which each world rank arrived last
};

/// The fixed parts of one acceptance run, shared by its checks. Every rank holds the same
/// decisions: the figures they rest on are max-reduced or gathered to every rank.
struct AcceptRun {
  AcceptRun(MpiRuntime& mpi_, const AcceptOptions& o_, const Expectations& e_, const Topology& topo_,
            Communicator& world_, const BenchWorld& bench_, std::optional<Baseline> baseline_,
            std::filesystem::path out_dir_)
      : mpi(mpi_), o(o_), e(e_), topo(topo_), world(world_), bench(bench_),
        baseline(std::move(baseline_)), out_dir(std::move(out_dir_)), root(topo_.rank == 0) {}

  MpiRuntime& mpi;
  const AcceptOptions& o;
  const Expectations& e;
  const Topology& topo;
  Communicator& world;
  const BenchWorld& bench;
  std::optional<Baseline> baseline;
  std::filesystem::path out_dir;
  bool root = false;
  ArrivalBoard board;
  int next_id = 0;
  std::ofstream accept_csv, groups_csv, bisect_csv;
  nlohmann::json record;
  std::vector<CheckResult> checks;
  std::uint64_t wrong_total = 0;
  Baseline written;  ///< the baseline this run records (--write-baseline)

  std::string host(int node) const { return topo.node_hosts[static_cast<std::size_t>(node)]; }
  std::string host_of_rank(int r) const { return host(topo.node_of_rank[static_cast<std::size_t>(r)]); }
  std::string node_label(int node) const { return fmt::format("node {} ({})", node, host(node)); }

  /// A call past the timeout ends the job after rank 0 names who never arrived.
  [[noreturn]] void watchdog(int id, const std::string& what) {
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

  /// Every measurement starts with a timed barrier: a rank that never comes is caught here,
  /// before any call that cannot time out (communicator splits).
  int checkpoint(const std::string& what) {
    const int id = next_id++;
    board.arrive(id);
    try {
      world.barrier();
    } catch (const CollectiveTimeout&) {
      watchdog(id, what);
    }
    return id;
  }

  /// run.json says the run ended with exit code 2 before an InputError leaves the command.
  void record_bad_input() {
    if (!root) return;
    finish_run_record(record, 2, 0, std::nullopt);
    write_json_file(out_dir / "run.json", record);
  }
};

/// One collective on the groups of an assignment, all groups at once: communicators, buffers
/// and the timer are set up once, then measure() times an attempt. Collective over the world.
class GroupWorkload {
 public:
  /// `where`: the expectation's key, for a refusal ("FILE: collectives[2].bytes: 3").
  GroupWorkload(AcceptRun& run, CollectiveOp op, std::uint64_t bytes, GroupAssignment groups,
                const std::string& name, const std::string& where)
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

  GroupWorkload(const GroupWorkload&) = delete;  // the timer's call holds `this`
  GroupWorkload& operator=(const GroupWorkload&) = delete;

  /// Empty when every group can run the op.
  const std::string& skip_reason() const { return skip_reason_; }
  const GroupAssignment& groups() const { return groups_; }
  /// The rank count of the smallest group.
  int min_group_ranks() const {
    int least = INT_MAX;
    for (const GroupFigure& g : group_sizes_) least = std::min(least, g.ranks);
    return least;
  }

  /// Times one attempt on every group at once (the harness, one slot per world rank) and
  /// verifies each rank's output. `judge_busbw`: the value is busbw, else the p50 time.
  AttemptFigures measure(Harness& harness, bool judge_busbw) {
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

 private:
  AcceptRun& run_;
  CollectiveOp op_;
  std::uint64_t bytes_ = 0;
  GroupAssignment groups_;
  std::string name_;
  const CollectiveTest& test_;
  std::unique_ptr<Communicator> comm_;
  std::vector<GroupFigure> group_sizes_ = std::vector<GroupFigure>(groups_.names.size());
  std::string skip_reason_;
  bool active_ = false;
  PointContext ctx_;
  std::unique_ptr<Executor> exec_;
  Buffers buf_;
  std::unique_ptr<CallTimer> timer_;
};

const char* unit_of(const CollectiveExpectation& x) {
  return x.judged_by_busbw() ? "busbw_GBps" : "time_us_p50";
}

std::string value_text(double v, bool busbw) {
  return busbw ? fmt::format("{:.4g} GB/s busbw", v) : fmt::format("{:.4g} us", v);
}

/// The groups of a check's scope that the bisection follows: all ranks as one lane, or each
/// failing rail as its own.
std::vector<BisectionLane> bisection_lanes(const Topology& topo, const CollectiveExpectation& x,
                                           const std::vector<int>& failing_groups) {
  std::vector<BisectionLane> lanes;
  if (x.scope == CheckScope::kAll) {
    BisectionLane l;
    l.name = "all";
    for (int r = 0; r < topo.ranks_per_node; ++r) l.local_ranks.push_back(r);
    lanes.push_back(l);
  } else {
    for (int g : failing_groups) lanes.push_back(BisectionLane{{g}, {}, fmt::format("rail {}", g)});
  }
  return lanes;
}

/// Bisects the failing groups of an all-ranks or rail check to the slow node: each round
/// measures both halves of every lane at once. Adds each round to the check's notes and
/// bisect.csv; blames each node found.
void bisect(AcceptRun& run, const CollectiveExpectation& x, std::size_t index,
            const std::vector<int>& failing_groups, CheckResult& c) {
  std::vector<int> nodes(static_cast<std::size_t>(run.topo.nodes));
  std::iota(nodes.begin(), nodes.end(), 0);
  std::vector<BisectionLane> lanes = bisection_lanes(run.topo, x, failing_groups);
  std::vector<Bisection> searches;
  for (std::size_t l = 0; l < lanes.size(); ++l) searches.emplace_back(nodes, run.e.bisect_min_fraction);
  const bool busbw = x.judged_by_busbw();
  const std::string where = fmt::format("{}: collectives[{}].bytes", run.o.expect_file, index);
  Harness harness(run.world, run.e.measure);
  for (int round = 1;; ++round) {
    std::vector<BisectionLane> active;
    std::vector<std::size_t> which;
    for (std::size_t l = 0; l < lanes.size(); ++l) {
      if (searches[l].done()) continue;
      const auto sets = searches[l].next_groups();
      active.push_back(BisectionLane{lanes[l].local_ranks, {sets[0], sets[1]}, lanes[l].name});
      which.push_back(l);
    }
    if (active.empty()) break;
    GroupWorkload w(run, x.op, x.bytes, bisection_groups(run.topo, active), x.name(), where);
    if (!w.skip_reason().empty()) {
      c.notes.push_back("bisection stopped: " + w.skip_reason());
      break;
    }
    // Up to `repeats` measurements of the round, until every lane's halves (the medians of
    // their measurements) differ decisively: one noisy measurement must not decide a round.
    // Goodness: busbw, or the inverse of the time (higher is better either way).
    std::vector<std::array<std::vector<double>, 2>> goodness(active.size());
    std::vector<std::array<int, 2>> ranks(active.size());
    auto median_of = [](const std::vector<double>& v) { return summarize(v).p50; };
    for (int attempt = 0; attempt < run.e.repeats; ++attempt) {
      const AttemptFigures a = w.measure(harness, busbw);
      run.wrong_total += std::accumulate(a.wrong.begin(), a.wrong.end(), std::uint64_t{0});
      bool all_decisive = true;
      for (std::size_t k = 0; k < active.size(); ++k) {
        for (std::size_t h = 0; h < 2; ++h) {
          const GroupFigure& f = a.groups[2 * k + h];
          goodness[k][h].push_back(busbw ? f.value : 1 / f.value);
          ranks[k][h] = f.ranks;
        }
        all_decisive = all_decisive && searches[which[k]].decisive(median_of(goodness[k][0]),
                                                                   median_of(goodness[k][1]));
      }
      if (all_decisive) break;
    }
    for (std::size_t k = 0; k < active.size(); ++k) {
      Bisection& s = searches[which[k]];
      const std::array<double, 2> g{median_of(goodness[k][0]), median_of(goodness[k][1])};
      s.record(g[0], g[1]);
      const Bisection::Round& r = s.rounds().back();
      auto label = [&](const std::vector<int>& set) {
        std::vector<std::string> names;
        for (int n : set) names.push_back(run.node_label(n));
        return fmt::format("{}", fmt::join(names, ", "));
      };
      auto shown = [&](double good) { return value_text(busbw ? good : 1 / good, busbw); };
      c.notes.push_back(fmt::format(
          "bisection ({}) round {} ({} measurement(s), medians): [{}] {} vs [{}] {}: {}",
          active[k].name, round, goodness[k][0].size(), label(r.measured[0]), shown(g[0]),
          label(r.measured[1]), shown(g[1]),
          r.slow_half < 0 ? "alike"
                          : fmt::format("slow half [{}]", label(r.suspects[static_cast<std::size_t>(r.slow_half)]))));
      if (run.root) {
        for (std::size_t h = 0; h < 2; ++h) {
          fmt::print(run.bisect_csv, "\"{}\",\"{}\",{},{},\"{}\",{},{},{:.9g},{},{}\n", x.name(),
                     active[k].name, round, h, fmt::join(r.measured[h], " "), ranks[k][h],
                     goodness[k][h].size(), busbw ? g[h] : 1 / g[h], unit_of(x),
                     r.slow_half == static_cast<int>(h));
        }
        run.bisect_csv.flush();
      }
    }
  }
  for (std::size_t l = 0; l < lanes.size(); ++l) {
    const Bisection& s = searches[l];
    if (const auto culprit = s.culprit()) {
      c.blame.push_back(fmt::format("{}: found by bisection ({}, {} round(s))",
                                    run.node_label(*culprit), lanes[l].name, s.rounds().size()));
    } else {
      c.notes.push_back(fmt::format("bisection ({}): {}", lanes[l].name, s.outcome()));
    }
  }
}

/// Refuses a baseline that does not fit this run: a check it lacks, another unit, or another
/// shape of job for the checks that span nodes. Throws InputError naming the file.
void check_baseline_fits(const Baseline& b, const Expectations& e, const Topology& topo) {
  if (e.patterns.enabled) {
    for (const TrafficRow& r : step_traffic(e.patterns.inputs)) {
      const std::string name = e.patterns.name(r.axis);
      const auto it = b.checks.find(name);
      if (it == b.checks.end() || it->second.unit != "time_us_p50" || !it->second.groups.count("all")) {
        throw InputError(fmt::format("{}: checks: no baseline for '{}' (record one with "
                                     "--write-baseline)", b.file, name));
      }
      if (b.nodes != topo.nodes || b.ranks_per_node != topo.ranks_per_node) {
        throw InputError(fmt::format("{}: nodes: the baseline is of {} node(s) x {} rank(s), this "
                                     "job is {} x {}: '{}' is not comparable", b.file, b.nodes,
                                     b.ranks_per_node, topo.nodes, topo.ranks_per_node, name));
      }
    }
  }
  for (const CollectiveExpectation& x : e.collectives) {
    const auto it = b.checks.find(x.name());
    if (it == b.checks.end()) {
      throw InputError(fmt::format("{}: checks: no baseline for '{}' (record one with "
                                   "--write-baseline)", b.file, x.name()));
    }
    if (it->second.unit != unit_of(x)) {
      throw InputError(fmt::format("{}: checks.{}.unit: expected {} for this check, got {}", b.file,
                                   x.name(), unit_of(x), it->second.unit));
    }
    if (b.ranks_per_node != topo.ranks_per_node ||
        (x.scope != CheckScope::kNode && b.nodes != topo.nodes)) {
      throw InputError(fmt::format("{}: nodes: the baseline is of {} node(s) x {} rank(s), this "
                                   "job is {} x {}: '{}' is not comparable", b.file, b.nodes,
                                   b.ranks_per_node, topo.nodes, topo.ranks_per_node, x.name()));
    }
  }
}

/// One collective check: every group of its scope at once, up to `repeats` attempts while a
/// group fails (all of them when a baseline is being written); a group fails when it failed
/// every attempt. Wrong data fails at once, naming the ranks. A failing all-ranks or rail check
/// is bisected to the node.
CheckResult run_collective_check(AcceptRun& run, std::size_t index) {
  const CollectiveExpectation& x = run.e.collectives[index];
  const Topology& topo = run.topo;
  CheckResult c{x.name(), true, false, "", {}, {}, {}};
  if (x.scope != CheckScope::kNode && topo.nodes < 2) {
    c.skipped = true;
    c.detail = "the job has one node: no inter tier";
    return c;
  }
  const std::string where = fmt::format("{}: collectives[{}].bytes", run.o.expect_file, index);
  GroupWorkload w(run, x.op, x.bytes, scope_groups(topo, x.scope), x.name(), where);
  if (!w.skip_reason().empty()) {
    c.skipped = true;
    c.detail = w.skip_reason();
    return c;
  }
  const GroupAssignment& groups = w.groups();
  const std::size_t ngroups = groups.names.size();
  const bool busbw = x.judged_by_busbw();
  if (busbw && w.min_group_ranks() < 2) {  // nccl-tests' busbw factors are 0 on one rank
    c.skipped = true;
    c.detail = "busbw needs 2 or more ranks in every group (a group of one rank moves no data)";
    return c;
  }
  const BaselineCheck* base = run.baseline ? &run.baseline->checks.at(x.name()) : nullptr;
  std::vector<std::optional<BaselineReference>> refs(ngroups);
  for (std::size_t g = 0; g < ngroups && base; ++g) refs[g] = baseline_reference(*base, groups.names[g]);
  const bool writing = !run.o.write_baseline.empty();
  const double max_drop = x.max_drop.value_or(run.o.max_drop);
  std::vector<bool> failed_every(ngroups, true);
  std::vector<std::vector<double>> values(ngroups);
  std::vector<int> last_arrivals(static_cast<std::size_t>(topo.world_size), 0);
  bool wrong_data = false;
  Harness harness(run.world, run.e.measure);
  for (int attempt = 0; attempt < run.e.repeats; ++attempt) {
    const AttemptFigures a = w.measure(harness, busbw);
    for (std::size_t r = 0; r < a.last_arrivals.size(); ++r) last_arrivals[r] += a.last_arrivals[r];
    run.wrong_total += std::accumulate(a.wrong.begin(), a.wrong.end(), std::uint64_t{0});
    std::vector<std::string> wrong_ranks;
    for (int r = 0; r < topo.world_size; ++r) {
      if (const auto n = a.wrong[static_cast<std::size_t>(r)]; n > 0) {
        wrong_ranks.push_back(fmt::format("rank {} ({}): {} wrong element(s)", r, run.host_of_rank(r), n));
      }
    }
    double worst = 0;
    for (std::size_t g = 0; g < ngroups; ++g) {
      const GroupFigure& f = a.groups[g];
      const bool abs_ok = (!x.min_busbw_GBps || f.busbw_GBps >= *x.min_busbw_GBps) &&
                          (!x.max_time_us || f.time_us.p50 <= *x.max_time_us);
      const bool base_ok = !refs[g] || !below_baseline(f.value, refs[g]->figures, busbw, max_drop);
      const bool ok = abs_ok && base_ok && wrong_ranks.empty();
      if (ok) failed_every[g] = false;
      values[g].push_back(f.value);
      worst = g == 0 ? f.value : busbw ? std::min(worst, f.value) : std::max(worst, f.value);
      if (run.root) {
        fmt::print(run.groups_csv, "\"{}\",{},\"{}\",{},{},{:.9g},{:.9g},{:.9g},{:.9g},{:.9g},{},{},{}\n",
                   x.name(), scope_name(x.scope), groups.names[g], attempt, f.ranks, f.busbw_GBps,
                   f.time_us.p50, f.time_us.low, f.time_us.high, f.value, unit_of(x),
                   refs[g] ? fmt::format("{:.9g}", refs[g]->figures.median) : "", ok);
      }
    }
    c.attempts.push_back(worst);
    const bool all_ok = std::none_of(failed_every.begin(), failed_every.end(), [](bool b) { return b; });
    if (run.root) {
      fmt::print(run.accept_csv, "\"{}\",{},{:.9g},{},{}\n", x.name(), attempt, worst, unit_of(x),
                 all_ok && wrong_ranks.empty());
      run.accept_csv.flush();
      run.groups_csv.flush();
    }
    if (!wrong_ranks.empty()) {  // wrong results are a fault, not noise: no second attempt
      wrong_data = true;
      c.blame = wrong_ranks;
      break;
    }
    if (all_ok && !writing) break;
  }
  // The verdict, the blame and each group's figures.
  std::vector<std::string> criteria;
  if (x.min_busbw_GBps) criteria.push_back(fmt::format("busbw >= {:.4g} GB/s", *x.min_busbw_GBps));
  if (x.max_time_us) criteria.push_back(fmt::format("p50 <= {:.4g} us", *x.max_time_us));
  if (base) criteria.push_back(fmt::format("within {:.0f}% of the baseline", 100 * max_drop));
  if (criteria.empty()) criteria.push_back("recorded for the baseline, no threshold");
  c.detail = fmt::format("every {} group: {}; {}", scope_name(x.scope), fmt::join(criteria, ", "),
                         spread_text(c.attempts, busbw ? "GB/s busbw (worst group)" : "us p50 (worst group)"));
  std::vector<int> failing;
  for (std::size_t g = 0; g < ngroups; ++g) {
    const GroupFigures fig = group_figures(values[g]);
    std::string line = fmt::format("{}: median {} over {} attempt(s)", groups.names[g],
                                   value_text(fig.median, busbw), fig.attempts.size());
    if (refs[g]) {
      line += fmt::format("; baseline{} {} (spread {:.4g}-{:.4g})", refs[g]->fleet ? " (median node: not in the baseline)" : "",
                          value_text(refs[g]->figures.median, busbw), refs[g]->figures.low,
                          refs[g]->figures.high);
    }
    if (!wrong_data && failed_every[g]) {
      failing.push_back(static_cast<int>(g));
      const std::string who = x.scope == CheckScope::kNode
                                  ? run.node_label(groups.node_of_group[g])
                                  : x.scope == CheckScope::kRail
                                        ? fmt::format("{} (local rank {} of every node)", groups.names[g], g)
                                        : std::string("all ranks");
      c.blame.push_back(fmt::format("{}: {} in every attempt{}", who, value_text(fig.median, busbw),
                                    refs[g] ? fmt::format(" (baseline {})", value_text(refs[g]->figures.median, busbw)) : ""));
      line += ": FAIL";
    }
    c.notes.push_back(line);
    if (writing) {
      BaselineCheck& out = run.written.checks[x.name()];
      out.unit = unit_of(x);
      out.groups[groups.names[g]] = fig;
    }
  }
  c.passed = failing.empty() && !wrong_data;
  if (!failing.empty() && x.scope == CheckScope::kAll) {
    // Stragglers: a rank that arrived last in most iterations.
    const int total = std::accumulate(last_arrivals.begin(), last_arrivals.end(), 0);
    const auto worst = std::max_element(last_arrivals.begin(), last_arrivals.end());
    if (total > 0 && *worst * 2 > total) {
      const int r = static_cast<int>(worst - last_arrivals.begin());
      c.blame.push_back(fmt::format("rank {} ({}) arrived last in {} of {} iterations", r,
                                    run.host_of_rank(r), *worst, total));
    }
  }
  if (!failing.empty() && x.scope != CheckScope::kNode) bisect(run, x, index, failing, c);
  return c;
}

/// The node-pair matrix: a node fails when its median pair bandwidth is below
/// min_fraction_of_median of the median node's in every attempt; a pair fails on latency.
CheckResult run_pair_check(AcceptRun& run) {
  const Topology& topo = run.topo;
  const PairsExpectation& p = run.e.pairs;
  CheckResult c{"node-pair matrix", true, false, "", {}, {}, {}};
  if (topo.nodes < 2) {
    c.skipped = true;
    c.detail = "the job has one node";
    return c;
  }
  std::vector<int> blamed_every_time;  // nodes that failed in every attempt (rank 0)
  std::vector<PairMeasurement> rows;
  for (int attempt = 0; attempt < run.e.repeats; ++attempt) {
    const int id = run.checkpoint("node-pair matrix");
    try {
      MeasureSettings pair_settings;  // the expectations' fixed count, one warm-up
      pair_settings.adaptive = false;
      pair_settings.iters = p.iters;
      pair_settings.warmup_iters = 1;
      rows = measure_pair_matrix(run.world, topo, p.latency_bytes, p.bandwidth_bytes, pair_settings);
    } catch (const CollectiveTimeout&) {
      run.watchdog(id, "node-pair matrix");
    }
    std::uint64_t failed = 0;
    if (run.root) {
      const std::vector<double> node_bw = node_median_bandwidth(rows, topo.nodes);
      const double typical = summarize(node_bw).p50;
      std::vector<int> slow;
      for (int n = 0; n < topo.nodes; ++n) {
        if (node_bw[static_cast<std::size_t>(n)] < p.min_fraction_of_median * typical) slow.push_back(n);
      }
      std::vector<std::string> slow_links;
      for (const auto& r : rows) {
        if (p.max_latency_us && r.latency_us_p50 > *p.max_latency_us) {
          slow_links.push_back(fmt::format("link {}-{} latency {:.4g} us", run.host(r.node_a),
                                           run.host(r.node_b), r.latency_us_p50));
        }
      }
      if (attempt == 0) blamed_every_time = slow;
      std::vector<int> both;
      std::set_intersection(blamed_every_time.begin(), blamed_every_time.end(), slow.begin(),
                            slow.end(), std::back_inserter(both));
      blamed_every_time = both;
      c.attempts.push_back(node_bw.empty() ? 0 : *std::min_element(node_bw.begin(), node_bw.end()) / typical);
      failed = (!slow.empty() || !slow_links.empty()) ? 1 : 0;
      c.blame.clear();
      for (int n : blamed_every_time) {
        const double bw = node_bw[static_cast<std::size_t>(n)];
        c.blame.push_back(fmt::format("{}: median pair bandwidth {:.4g} GB/s = {:.0f}% of the median "
                                      "node", run.node_label(n), bw, 100 * bw / typical));
      }
      c.blame.insert(c.blame.end(), slow_links.begin(), slow_links.end());
      fmt::print(run.accept_csv, "\"node-pair matrix\",{},{:.9g},min node bw / median,{}\n", attempt,
                 c.attempts.back(), failed == 0);
      run.accept_csv.flush();
      std::ofstream pairs(run.out_dir / "pairs.csv");
      pairs << "node_a,node_b,host_a,host_b,round,latency_bytes,latency_us_p50,latency_us_min,"
               "bandwidth_bytes,bandwidth_time_us_p50,bw_GBps\n";
      for (const auto& r : rows) {
        fmt::print(pairs, "{},{},{},{},{},{},{:.9g},{:.9g},{},{:.9g},{:.9g}\n", r.node_a, r.node_b,
                   run.host(r.node_a), run.host(r.node_b), r.round, p.latency_bytes, r.latency_us_p50,
                   r.latency_us_min, p.bandwidth_bytes, r.bandwidth_time_us_p50, r.bw_GBps);
      }
    }
    std::uint64_t any = 0;
    run.world.all_reduce(&failed, &any, 1, Datatype::kUint64, ReduceOp::kMax);
    c.passed = any == 0;
    if (c.passed) break;
    // A node blamed in one attempt but not the next was noise: keep measuring.
  }
  if (run.root && !c.passed && c.blame.empty()) c.passed = true;  // no node failed every time
  c.detail = fmt::format("every node's median pair bandwidth >= {:.0f}% of the median node; {}",
                         100 * p.min_fraction_of_median,
                         spread_text(c.attempts, "(slowest node / median)"));
  return c;
}

/// The measurement settings of pattern steps: the pattern command's defaults (a unit is a
/// step's traffic of one row, far longer than one collective), or the file's fixed counts.
MeasureSettings pattern_measure_settings(const MeasureSettings& collectives) {
  if (!collectives.adaptive) return collectives;
  MeasureSettings s;
  s.min_iters = 3;
  s.max_time_s = 1.0;
  s.warmup_max_time_s = 0.5;
  return s;
}

/// The patterns check: one training step's traffic of each axis of a model and layout, all
/// groups at once (bench/pattern_units.hpp), up to `repeats` attempts while an axis is over its
/// maximum or below its baseline; one CheckResult per axis. Wrong data or bytes that differ
/// from the table fail every axis at once, naming the ranks.
std::vector<CheckResult> run_pattern_checks(AcceptRun& run) {
  const PatternsExpectation& p = run.e.patterns;
  const Topology& topo = run.topo;
  if (p.inputs.layout.product() != topo.world_size) {
    run.record_bad_input();
    throw InputError(fmt::format("{}: patterns.layout: {} has {} ranks, the job has {}",
                                 run.o.expect_file, format_mesh_sizes(p.inputs.layout),
                                 p.inputs.layout.product(), topo.world_size));
  }
  const DeviceMesh mesh(p.inputs.layout, parse_mesh_order(p.order), topo.world_size);
  run.checkpoint("patterns");
  const std::unique_ptr<PatternUnits> plan =
      make_pattern_units(step_traffic(p.inputs), mesh, topo, *run.bench.comm, p.scale);
  const std::unique_ptr<Executor> exec = run.bench.comm->make_executor();
  const MeasureSettings settings = pattern_measure_settings(run.e.measure);
  std::vector<std::string> axes;
  for (const PatternUnit& u : plan->units) {
    if (std::find(axes.begin(), axes.end(), u.axis) == axes.end()) axes.push_back(u.axis);
  }
  const bool writing = !run.o.write_baseline.empty();
  std::map<std::string, std::vector<double>> attempts;
  std::map<std::string, bool> failed_every;
  for (const std::string& a : axes) failed_every[a] = true;
  std::vector<std::string> wrong_ranks;
  for (int attempt = 0; attempt < run.e.repeats && wrong_ranks.empty(); ++attempt) {
    for (PatternUnit& u : plan->units) {
      const std::string what = fmt::format("pattern {} {}", u.axis, u.phase);
      const int id = run.checkpoint(what);
      u.steps = 0;
      u.wrong = 0;
      try {
        measure_pattern_unit(u, run.world, *exec, settings, plan->counted);
      } catch (const CollectiveTimeout&) {
        run.watchdog(id, what);
      }
    }
    // Per rank: wrong elements plus bytes that differ from the table, gathered to all.
    std::uint64_t bad = 0;
    for (const PatternUnit& u : plan->units) {
      const ByteCounts want = expected_bytes(u);
      bad += u.wrong;
      if (u.counted.sent != want.sent * u.steps || u.counted.received != want.received * u.steps) ++bad;
    }
    std::vector<std::uint64_t> bad_of(static_cast<std::size_t>(topo.world_size), 0);
    run.world.all_gather(&bad, bad_of.data(), 1, Datatype::kUint64);
    for (int r = 0; r < topo.world_size; ++r) {
      if (const auto n = bad_of[static_cast<std::size_t>(r)]; n > 0) {
        wrong_ranks.push_back(fmt::format("rank {} ({}): {} wrong element(s) or byte count(s) off "
                                          "the table", r, run.host_of_rank(r), n));
      }
    }
    run.wrong_total += std::accumulate(bad_of.begin(), bad_of.end(), std::uint64_t{0});
    const std::map<std::string, double> step = axis_step_us(plan->units);
    bool all_ok = true;
    for (const std::string& a : axes) {
      const double us = step.at(a);
      const std::string name = p.name(a);
      const auto max = p.max_step_ms.find(a);
      const BaselineCheck* base = run.baseline ? &run.baseline->checks.at(name) : nullptr;
      const auto ref = base ? baseline_reference(*base, "all") : std::nullopt;
      const bool ok = wrong_ranks.empty() && (max == p.max_step_ms.end() || us <= max->second * 1e3) &&
                      (!ref || !below_baseline(us, ref->figures, false, run.o.max_drop));
      if (ok) failed_every[a] = false;
      all_ok = all_ok && !failed_every[a];
      attempts[a].push_back(us);
      if (run.root) {
        fmt::print(run.groups_csv, "\"{}\",all,\"all\",{},{},,{:.9g},,,{:.9g},time_us_p50,{},{}\n",
                   name, attempt, topo.world_size, us, us,
                   ref ? fmt::format("{:.9g}", ref->figures.median) : "", ok);
        fmt::print(run.accept_csv, "\"{}\",{},{:.9g},step_time_us_p50,{}\n", name, attempt, us, ok);
      }
    }
    if (run.root) {
      run.groups_csv.flush();
      run.accept_csv.flush();
    }
    if (all_ok && !writing) break;
  }
  std::vector<CheckResult> out;
  for (const std::string& a : axes) {
    const std::string name = p.name(a);
    CheckResult c{name, true, false, "", attempts[a], {}, {}};
    const GroupFigures fig = group_figures(attempts[a]);
    const auto max = p.max_step_ms.find(a);
    const auto ref = run.baseline ? baseline_reference(run.baseline->checks.at(name), "all") : std::nullopt;
    std::vector<std::string> criteria;
    if (max != p.max_step_ms.end()) criteria.push_back(fmt::format("step time <= {:.4g} ms", max->second));
    if (ref) criteria.push_back(fmt::format("within {:.0f}% of the baseline", 100 * run.o.max_drop));
    if (criteria.empty()) criteria.push_back(writing ? "recorded for the baseline, no threshold" : "measured, no threshold");
    c.detail = fmt::format("{} traffic of one step{}: {}; {}", a, p.scale < 1 ? fmt::format(" (scaled x{})", p.scale) : "",
                           fmt::join(criteria, ", "), spread_text(c.attempts, "us per step"));
    if (!wrong_ranks.empty()) {
      c.passed = false;
      c.blame = wrong_ranks;
    } else if (failed_every[a]) {
      c.passed = false;
      c.blame.push_back(fmt::format("{} axis: {:.4g} us per step in every attempt{}", a, fig.median,
                                    ref ? fmt::format(" (baseline {:.4g} us)", ref->figures.median) : ""));
    }
    for (const PatternUnit& u : plan->units) {
      if (u.axis != a) continue;
      c.notes.push_back(fmt::format("{} {}: {} x {} of {} on groups of {} ({} {}x{}), last attempt p50 {:.4g} us per step",
                                    u.axis, u.phase, u.calls, op_name(u.op), format_bytes(u.counts.size_bytes),
                                    u.group_size, u.tier, u.max_nodes, u.max_ranks_per_node,
                                    summarize(u.measured.samples_us).p50));
    }
    if (writing) {
      BaselineCheck& b = run.written.checks[name];
      b.unit = "time_us_p50";
      b.groups["all"] = fig;
    }
    out.push_back(c);
  }
  return out;
}

/// Creates the run's folder, CSVs and run.json on rank 0 (collective: every rank learns of a
/// failure).
void open_outputs(AcceptRun& run, const std::vector<std::string>& command_line) {
  setup_on_root(run.world, [&] {
    create_run_dir(run.out_dir);
    run.accept_csv = open_new_file(run.out_dir / "accept.csv");
    run.accept_csv << "check,attempt,value,unit,passed\n";
    run.groups_csv = open_new_file(run.out_dir / "groups.csv");
    run.groups_csv << "check,scope,group,attempt,ranks,busbw_GBps,time_us_p50,time_us_p50_ci_low,"
                      "time_us_p50_ci_high,value,unit,baseline_median,passed\n";
    run.bisect_csv = open_new_file(run.out_dir / "bisect.csv");
    run.bisect_csv << "check,lane,round,half,nodes,ranks,measurements,value,unit,slow\n";
    nlohmann::json config = {{"expect", run.o.expect_file}, {"measure", measure_settings_json(run.e.measure)},
                             {"repeats", run.e.repeats}, {"timeout_s", run.e.timeout_s},
                             {"baseline", run.o.baseline.empty() ? nlohmann::json(nullptr) : nlohmann::json(run.o.baseline)},
                             {"max_drop", run.o.max_drop},
                             {"write_baseline", run.o.write_baseline.empty() ? nlohmann::json(nullptr) : nlohmann::json(run.o.write_baseline)},
                             {"bisect_min_fraction", run.e.bisect_min_fraction}};
    run.record = make_run_record(RunRecordInputs{
        "accept", command_line, run.topo, wait_mode_name(WaitMode::kYield), run.mpi.library_version(),
        run.mpi.transport_version(), std::thread::hardware_concurrency(), run.bench.backend,
        run.bench.backend == "nccl" ? gpu_probe_json(run.bench.gpu) : nlohmann::json(nullptr),
        config,
        {{"accept_csv", "accept.csv"}, {"groups_csv", "groups.csv"}, {"bisect_csv", "bisect.csv"},
         {"report_md", "report.md"}, {"junit_xml", "junit.xml"}}});
    write_json_file(run.out_dir / "run.json", run.record);
  });
}

/// The console summary, the reports, run.json and (on a pass) the baseline. Rank 0.
void finish_on_root(AcceptRun& run) {
  const std::string verdict = verdict_of(run.checks);
  write_accept_reports(run.out_dir, run.checks, run.topo);
  fmt::print("#\n# {:<28} {:>8}  {}\n", "check", "verdict", "detail / blame");
  std::size_t failed = 0, measured = 0;
  for (const CheckResult& c : run.checks) {
    failed += !c.passed;
    measured += !c.skipped;
    fmt::print("  {:<28} {:>8}  {}\n", c.name, c.skipped ? "skipped" : (c.passed ? "pass" : "FAIL"), c.detail);
    for (const auto& b : c.blame) fmt::print("  {:<28} {:>8}  BLAME: {}\n", "", "", b);
  }
  if (!run.o.write_baseline.empty()) {
    if (verdict == "PASS") {
      run.written.file = run.o.write_baseline;
      write_json_file(run.o.write_baseline, baseline_json(run.written));
      fmt::print("# baseline written: {} ({} check(s))\n", run.o.write_baseline, run.written.checks.size());
    } else {
      fmt::print("# baseline NOT written: a baseline records a healthy run, this one is {}\n", verdict);
    }
  }
  finish_run_record(run.record, verdict == "PASS" ? 0 : 1, measured, run.wrong_total);
  write_json_file(run.out_dir / "run.json", run.record);
  fmt::print("# acceptance: {} ({} of {} checks failed, {} skipped); report: {}/report.md, "
             "junit.xml, accept.csv, groups.csv{}\n", verdict, failed, run.checks.size(),
             run.checks.size() - measured, run.out_dir.string(),
             run.e.pairs.enabled && run.topo.nodes > 1 ? ", pairs.csv" : "");
}

}  // namespace

CLI::App* add_accept_command(CLI::App& app, AcceptOptions& o) {
  CLI::App* sub = app.add_subcommand(
      "accept", "Acceptance test of a cluster against an expectations file (run under mpiexec or "
                "srun): pass, fail, and the node, link, rail or rank to blame");
  sub->add_option("--expect", o.expect_file, "Expectations JSON (schema in results/README.md)")
      ->required();
  sub->add_option("--out", o.out_dir, "Output folder (default results/<time>-accept-<N>ranks)");
  sub->add_option("--baseline", o.baseline,
                  "Baseline JSON of a healthy run (--write-baseline): a check, node or rail more "
                  "than --max-drop below it and outside its spread fails");
  sub->add_option("--max-drop", o.max_drop, "Margin below the baseline, a fraction in (0, 1)")
      ->capture_default_str();
  sub->add_option("--write-baseline", o.write_baseline,
                  "Write this run's figures per check, node and rail as a baseline (a new file; "
                  "written only when the run passes)");
  sub->add_option("--backend", o.backend,
                  "Collectives on mpi, nccl (one GPU per rank), or auto (nccl when every node "
                  "has a GPU per rank); node pairs always use MPI")
      ->capture_default_str();
  sub->add_option("--debug-corrupt-rank", o.corrupt_rank, "(test only)")->group("");
  sub->add_option("--debug-hang-rank", o.hang_rank, "(test only)")->group("");
  return sub;
}

int run_accept(MpiRuntime& mpi, const AcceptOptions& o, const std::vector<std::string>& command_line) {
  if (!(o.max_drop > 0 && o.max_drop < 1)) {
    throw UsageError(fmt::format("--max-drop: expected a fraction in (0, 1), got {}", o.max_drop));
  }
  if (!o.write_baseline.empty() && std::filesystem::exists(o.write_baseline)) {
    throw UsageError(fmt::format("--write-baseline: {} exists: a baseline is never replaced "
                                 "(remove it or name a new file)", o.write_baseline));
  }
  const Expectations e =
      read_expectations(o.expect_file, !o.baseline.empty() || !o.write_baseline.empty());
  const Topology topo = mpi.discover_topology();
  std::optional<Baseline> baseline;
  if (!o.baseline.empty()) {
    baseline = read_baseline(o.baseline);
    check_baseline_fits(*baseline, e, topo);
  }
  // Polling waits, so that a collective that never completes can time out.
  auto world = mpi.world(WaitMode::kYield);
  // NCCL calls time out like MPI's: the watchdog catches either.
  const BenchWorld bench = open_bench_world(o.backend, topo, *world, e.timeout_s);
  AcceptRun run(mpi, o, e, topo, *world, bench, std::move(baseline),
                o.out_dir.empty() ? default_run_dir(fmt::format("accept-{}ranks", topo.world_size))
                                  : std::filesystem::path(o.out_dir));
  run.written = Baseline{o.write_baseline, topo.world_size, topo.nodes, topo.ranks_per_node,
                         topo.node_hosts, utc_now_iso8601(), {}};
  open_outputs(run, command_line);
  if (run.root) {
    fmt::print("# meshbench accept: {} ranks on {} node(s), {} check(s), up to {} attempt(s) each, "
               "watchdog {} s, collectives on {}{}\n", topo.world_size, topo.nodes,
               e.collectives.size() + (e.pairs.enabled ? 1 : 0) + (e.patterns.enabled ? 1 : 0),
               e.repeats, e.timeout_s,
               bench.backend,
               o.baseline.empty() ? "" : fmt::format(", baseline {} (max drop {:.0f}%)", o.baseline, 100 * o.max_drop));
    std::cout.flush();
  }
  if (o.hang_rank == topo.rank) std::this_thread::sleep_for(std::chrono::hours(1));  // test only
  world->set_timeout(e.timeout_s);
  // Each result is in run.checks as soon as it is known, so an interrupt (SIGINT or SIGTERM,
  // on every rank at the same point) keeps what was measured.
  try {
    for (std::size_t i = 0; i < e.collectives.size(); ++i) run.checks.push_back(run_collective_check(run, i));
    if (e.pairs.enabled) run.checks.push_back(run_pair_check(run));
    if (e.patterns.enabled) {
      for (CheckResult& c : run_pattern_checks(run)) run.checks.push_back(std::move(c));
    }
  } catch (const Interrupted&) {
    if (run.root) {
      write_accept_reports(run.out_dir, run.checks, topo, /*interrupted=*/true);
      std::size_t measured = 0;
      for (const CheckResult& c : run.checks) measured += !c.skipped;
      finish_run_record(run.record, kInterruptedExitCode, measured, run.wrong_total);
      write_json_file(run.out_dir / "run.json", run.record);
    }
    throw;
  }
  std::uint64_t mine = 0, any = 0;
  if (run.root) {
    finish_on_root(run);
    mine = verdict_of(run.checks) == "PASS" ? 0 : 1;  // NOTHING CHECKED fails too: exit 1
  }
  // Rank 0 decided; the others learn it.
  world->set_timeout(0);
  world->all_reduce(&mine, &any, 1, Datatype::kUint64, ReduceOp::kMax);
  return any == 0 ? 0 : 1;
}

}  // namespace meshbench
