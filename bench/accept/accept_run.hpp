#pragma once
// The parts of one `meshbench accept` run its checks share (bench/accept_command.cpp runs
// them): the run's fixed state and outputs (AcceptRun), and one collective measured on many
// groups at once (GroupWorkload). Every rank holds the same decisions: the figures they rest on
// are max-reduced or gathered to every rank.

#include <climits>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bench/accept/baseline.hpp"
#include "bench/accept/expectations.hpp"
#include "bench/accept/groups.hpp"
#include "bench/accept/report.hpp"
#include "bench/accept_command.hpp"
#include "bench/backends/mpi/arrival_board.hpp"
#include "bench/collectives/collective_test.hpp"
#include "bench/executor.hpp"
#include "bench/gpu.hpp"
#include "bench/harness.hpp"

namespace meshbench {

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

  /// A call past the timeout ends the job (MPI_Abort) after rank 0 has written the reports
  /// and named the ranks that never arrived at check `id`.
  [[noreturn]] void watchdog(int id, const std::string& what);
  /// Every measurement starts with a timed barrier: a rank that never comes is caught here,
  /// before any call that cannot time out (communicator splits). Returns the check's id.
  int checkpoint(const std::string& what);
  /// run.json says the run ended with exit code 2, before an InputError leaves the command.
  void record_bad_input();
};

/// One collective on the groups of an assignment, all groups at once: communicators, buffers
/// and the timer are set up once, then measure() times an attempt. Collective over the world.
class GroupWorkload {
 public:
  /// `where`: the expectation's key, for a refusal ("FILE: collectives[2].bytes: 3").
  GroupWorkload(AcceptRun& run, CollectiveOp op, std::uint64_t bytes, GroupAssignment groups,
                const std::string& name, const std::string& where);

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
  AttemptFigures measure(Harness& harness, bool judge_busbw);

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

/// "busbw_GBps" or "time_us_p50": the unit of the value a check judges.
const char* unit_of(const CollectiveExpectation& x);
/// "1.23 GB/s busbw" or "45.6 us".
std::string value_text(double v, bool busbw);

/// One collective check of the expectations (collectives[index]): every group of its scope at
/// once, up to `repeats` attempts while a group fails (all of them when a baseline is being
/// written); a group fails when it failed every attempt. Wrong data fails at once, naming the
/// ranks. A failing all-ranks or rail check is bisected to the node (bench/accept/bisection.hpp).
CheckResult run_collective_check(AcceptRun& run, std::size_t index);

/// The node-pair matrix: a node fails when its median pair bandwidth is below
/// min_fraction_of_median of the median node's in every attempt; a pair fails on latency.
CheckResult run_pair_check(AcceptRun& run);

/// The patterns check: one per axis (bench/accept/pattern_check.cpp).
std::vector<CheckResult> run_pattern_checks(AcceptRun& run);

}  // namespace meshbench
