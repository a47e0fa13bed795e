#include "bench/accept_command.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <optional>
#include <thread>

#include "bench/accept/accept_run.hpp"
#include "bench/reporters/run_output.hpp"
#include "bench/reporters/run_record.hpp"
#include "patterns/mesh.hpp"
#include "patterns/units.hpp"

namespace meshbench {
namespace {

/// Refuses a baseline that does not fit this run: a check it lacks, another unit, or another
/// shape of job for the checks that span nodes. Throws InputError naming the file.
void check_baseline_fits(const Baseline& b, const Expectations& e, const Topology& topo) {
  if (e.patterns.enabled) {
    for (const std::string& axis : e.patterns.axes) {
      const std::string name = e.patterns.name(axis);
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

/// Creates the run's folder, CSVs and run.json on rank 0 (collective: every rank learns of a
/// failure).
void open_outputs(AcceptRun& run, const std::vector<std::string>& command_line) {
  setup_on_root(run.world, [&] {
    // Rank 0 writes the baseline, so it alone looks (a node-local path may differ elsewhere).
    if (!run.o.write_baseline.empty() && std::filesystem::exists(run.o.write_baseline)) {
      throw UsageError(fmt::format("--write-baseline: {} exists: a baseline is never replaced "
                                   "(remove it or name a new file)", run.o.write_baseline));
    }
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
  const std::size_t pattern_axes = e.patterns.enabled ? e.patterns.axes.size() : 0;
  if (run.root) {
    fmt::print("# meshbench accept: {} ranks on {} node(s), {} check(s), up to {} attempt(s) each, "
               "watchdog {} s, collectives on {}{}\n", topo.world_size, topo.nodes,
               e.collectives.size() + (e.pairs.enabled ? 1 : 0) +
                   pattern_axes,
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
