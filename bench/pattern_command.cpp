#include "bench/pattern_command.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <set>
#include <thread>

#include "bench/collectives/collective_test.hpp"
#include "bench/pattern_units.hpp"
#include "bench/executor.hpp"
#include "bench/gpu.hpp"
#include "bench/harness.hpp"
#include "bench/verify.hpp"
#include "bench/reporters/csv_writer.hpp"
#include "bench/reporters/run_output.hpp"
#include "bench/reporters/run_record.hpp"
#include "bench/stats.hpp"
#include "bench/sweep_config.hpp"
#include "patterns/pipeline_schedule.hpp"

namespace meshbench {
namespace {

constexpr Datatype kDtype = Datatype::kFloat32;  // every message is float32 elements

}  // namespace

CLI::App* add_pattern_command(CLI::App& app, PatternOptions& o) {
  CLI::App* sub = app.add_subcommand(
      "pattern",
      "Execute one training step's traffic of an axis on the mesh (run under mpiexec with the\n"
      "layout's number of ranks): all groups at once, real sizes, counts and order.");
  add_training_flags(sub, o.training);
  sub->add_option("--axis", o.axis, "tp, pp, dp, zero, cp, ep, emb (a tied embedding's gradient) or all")
      ->capture_default_str();
  sub->add_option("--order", o.order, "Mesh order (as for sweep --order)")->capture_default_str();
  sub->add_option("--scale", o.scale,
                  "Multiply every message size by this (0 < F <= 1) for small machines")
      ->capture_default_str();
  add_measure_flags(sub, o.measure, "steps");
  sub->add_option("--wait", o.wait, "spin, yield or auto")->capture_default_str();
  sub->add_option("--backend", o.backend,
                  "mpi, nccl (one GPU per rank), or auto (nccl when every node has a GPU per rank)")
      ->capture_default_str();
  sub->add_option("--out", o.out_dir, "Output folder (default results/<time>-pattern-<N>ranks)");
  return sub;
}

int run_pattern(MpiRuntime& mpi, const PatternOptions& o,
                const std::vector<std::string>& command_line) {
  const TrafficInputs in = to_traffic_inputs(o.training);
  if (!(o.scale > 0 && o.scale <= 1)) {
    throw UsageError(fmt::format("--scale must be in (0, 1], got {}", o.scale));
  }
  const MeasureSettings measure = to_measure_settings(o.measure, 1);
  const std::set<std::string> known(std::begin(kPatternAxisOrder), std::end(kPatternAxisOrder));
  if (o.axis != "all" && !known.count(o.axis)) {
    throw UsageError(fmt::format("--axis: unknown axis '{}' (tp, pp, dp, zero, cp, ep, emb, all)", o.axis));
  }
  std::vector<TrafficRow> rows;
  for (const TrafficRow& r : step_traffic(in)) {
    if (o.axis == "all" || r.axis == o.axis) rows.push_back(r);
  }
  if (rows.empty()) {
    throw UsageError(fmt::format("--axis {}: this layout ({}) has no {} traffic", o.axis,
                                 format_mesh_sizes(in.layout), o.axis == "all" ? "" : o.axis));
  }
  const Topology topo = mpi.discover_topology();
  if (in.layout.product() != topo.world_size) {
    throw UsageError(fmt::format("--layout {} has {} ranks, the job has {}",
                                 format_mesh_sizes(in.layout), in.layout.product(), topo.world_size));
  }
  DeviceMesh mesh = [&] {
    try {
      return DeviceMesh(in.layout, parse_mesh_order(o.order), topo.world_size);
    } catch (const MeshError& e) {
      throw UsageError(e.what());  // --order
    }
  }();
  const WaitMode mode = mpi.choose_wait_mode(o.wait, topo);
  auto world = mpi.world(mode);
  const bool root = topo.rank == 0;
  const BenchWorld bench = open_bench_world(o.backend, topo, *world, 0);

  // One counted communicator per group shape; units in execution order (pp rows become one).
  const std::unique_ptr<PatternUnits> plan = make_pattern_units(rows, mesh, topo, *bench.comm, o.scale);
  std::vector<PatternUnit>& units = plan->units;
  const ByteCounts& counted = plan->counted;

  // Output folder, CSV header and run record (rank 0), agreed by every rank.
  const std::filesystem::path out_dir =
      o.out_dir.empty() ? default_run_dir(fmt::format("pattern-{}ranks", topo.world_size))
                        : std::filesystem::path(o.out_dir);
  std::ofstream csv;
  nlohmann::json record;
  setup_on_root(*world, [&] {
    create_run_dir(out_dir);
    csv = open_new_file(out_dir / "pattern.csv");
    csv << results_csv_header() << ",phase,calls_per_step,scale,step_time_us_p50,what\n";
    csv.flush();
    record = make_run_record(RunRecordInputs{
        "pattern", command_line, topo, wait_mode_name(mode), mpi.library_version(),
        mpi.transport_version(), std::thread::hardware_concurrency(), bench.backend,
        bench.backend == "nccl" ? gpu_probe_json(bench.gpu) : nlohmann::json(nullptr),
        {{"order", format_mesh_order(mesh.order())}, {"axis", o.axis}, {"scale", o.scale},
         {"measure", measure_settings_json(measure)}, {"traffic", traffic_json(in, rows)}},
        {{"pattern_csv", "pattern.csv"}}});
    write_json_file(out_dir / "run.json", record);
  });

  if (root) {
    fmt::print("# meshbench pattern: {} on {} ranks ({} node(s)), layout {}, order {}, axis {}; "
               "{} micro-batch(es), backend {}, wait mode {}\n", in.model.name, topo.world_size,
               topo.nodes, format_mesh_sizes(in.layout), format_mesh_order(mesh.order()), o.axis,
               in.shape.micro_batches, bench.backend, wait_mode_name(mode));
    if (o.scale < 1) {
      fmt::print("# SCALED: every message is {} of its real size (--scale); times are not the "
                 "model's\n", o.scale);
    }
    std::cout.flush();
  }

  // Each unit in turn: measured by the harness on the backend's timer (all groups at once),
  // its counted bytes per step checked against the table, then its output verified.
  const std::unique_ptr<Executor> exec = bench.comm->make_executor();
  std::size_t measured_units = 0;
  try {
    for (PatternUnit& u : units) {
      measure_pattern_unit(u, *world, *exec, measure, counted);
      ++measured_units;
    }
  } catch (const Interrupted&) {  // every rank at the same iteration: say so in run.json
    if (root) {
      finish_run_record(record, kInterruptedExitCode, measured_units, std::nullopt);
      write_json_file(out_dir / "run.json", record);
    }
    throw;
  }
  // Per rank: [byte mismatches, wrong elements of unit 0, unit 1, ...], summed in one reduction.
  std::vector<std::uint64_t> mine(units.size() + 1, 0), all(mine.size(), 0);
  ByteCounts got, want;  // per step, this rank
  for (std::size_t i = 0; i < units.size(); ++i) {
    const PatternUnit& u = units[i];
    const ByteCounts e = expected_bytes(u);
    // Compared over all steps: a per-step division would hide a difference below one step.
    if (u.counted.sent != e.sent * u.steps || u.counted.received != e.received * u.steps) {
      ++mine[0];
      fmt::print(stderr, "meshbench: rank {}: {} {}: sent {} B and received {} B in {} steps, "
                 "the table says {} and {} per step\n", topo.rank, u.axis, u.phase, u.counted.sent,
                 u.counted.received, u.steps, e.sent, e.received);
    }
    mine[i + 1] = u.wrong;
    got.sent += u.counted.sent / u.steps;
    got.received += u.counted.received / u.steps;
    want.sent += e.sent;
    want.received += e.received;
  }
  world->all_reduce(mine.data(), all.data(), all.size(), Datatype::kUint64, ReduceOp::kSum);
  const bool bytes_ok = all[0] == 0;
  const std::vector<std::uint64_t> unit_wrong_all(all.begin() + 1, all.end());
  const std::uint64_t total_wrong =
      std::accumulate(unit_wrong_all.begin(), unit_wrong_all.end(), std::uint64_t{0});
  const std::uint64_t got_sent = got.sent, got_received = got.received;
  const int exit_code = bytes_ok && total_wrong == 0 ? 0 : 3;

  if (root) {
    const RunFacts facts{topo.nodes, topo.ranks_per_node, wait_mode_name(mode), bench.backend};
    const std::map<std::string, double> step_us = axis_step_us(units);
    std::map<std::string, double> axis_wire;
    std::map<std::string, std::string> axis_tier;
    fmt::print("#\n# {:>4} {:>5} {:>14} {:>12} {:>7} {:>10} {:>14} {:>12} {:>10}  {}\n", "axis",
               "phase", "op", "bytes/call", "calls", "group", "tier", "step(us)", "busbw", "what");
    for (std::size_t i = 0; i < units.size(); ++i) {
      const PatternUnit& u = units[i];
      const std::vector<double>& steps = u.measured.samples_us;
      PointResult r;
      r.op = u.op;
      r.dtype = kDtype;
      r.ranks = u.group_size;
      r.mesh = format_mesh_sizes(in.layout);
      r.order = format_mesh_order(mesh.order());
      r.axis = u.axis;
      r.groups = u.groups;
      r.group = "all";
      r.tier = u.tier;
      r.group_nodes = u.max_nodes;
      r.group_ranks_per_node = u.max_ranks_per_node;
      r.iters = u.measured.iters();
      r.warmup_iters = u.measured.warmup_iters;
      r.stop = u.measured.stop;
      r.wrong = unit_wrong_all[i];
      r.size_bytes = u.counts.size_bytes;
      r.count = u.counts.size_bytes / element_bytes(kDtype);
      // Time per call: the step's time of this unit over its calls (pp: over its transfers).
      const double per_unit_calls = static_cast<double>(u.calls) * (u.axis == "pp" ? 2 : 1);
      std::vector<double> per_call;
      for (double s : steps) per_call.push_back(s / per_unit_calls);
      r.time_us = summarize(per_call);
      // Per call: the step's interval over the unit's calls.
      r.p50_ci_low_us = u.measured.p50_us.low / per_unit_calls;
      r.p50_ci_high_us = u.measured.p50_us.high / per_unit_calls;
      r.busbw_factor = busbw_factor(u.op, u.group_size);
      r.algbw_GBps = algbw_GBps(r.size_bytes, r.time_us.p50);
      r.busbw_GBps = r.algbw_GBps * r.busbw_factor;
      const SampleSummary step = summarize(steps);
      csv << results_csv_fields(r, facts)
          << fmt::format(",{},{},{:.9g},{:.9g},\"{}\"\n", u.phase, u.calls, o.scale, step.p50, u.what);
      csv.flush();
      axis_wire[u.axis] += static_cast<double>(r.size_bytes) * per_unit_calls * r.busbw_factor;
      auto& tier = axis_tier[u.axis];
      const std::string t = fmt::format("{} {}x{}", u.tier, u.max_nodes, u.max_ranks_per_node);
      tier = tier.empty() || tier == t ? t : "mixed";
      fmt::print("  {:>4} {:>5} {:>14} {:>12} {:>7} {:>10} {:>14} {:>12.1f} {:>10.4g}  {}\n",
                 u.axis, u.phase, op_name(u.op), r.size_bytes, u.calls,
                 fmt::format("{}", u.group_size), t, step.p50, r.busbw_GBps, u.what);
    }
    fmt::print("#\n# per step, per axis (the sum of its units' p50; busbw = wire bytes / time):\n");
    for (const char* axis : kPatternAxisOrder) {
      if (!step_us.count(axis)) continue;
      const double us = step_us.at(axis);
      fmt::print("#   {:>4}: {:>12.1f} us per step, busbw {:.4g} GB/s, tier {}\n", axis, us,
                 axis_wire[axis] / (us * 1e3), axis_tier[axis]);
    }
    fmt::print("# bytes check: {} (rank 0 sent {} B and received {} B per step; the table says {} "
               "and {})\n", bytes_ok ? "every rank sent and received what the table says" : "MISMATCH",
               got_sent, got_received, want.sent, want.received);
    fmt::print("# verification: {} wrong element(s) {}\n", total_wrong,
               total_wrong == 0 ? "(every unit's output is what its op must produce)" : "FAILED");
    fmt::print("# results: {}/pattern.csv, run.json\n", out_dir.string());
    finish_run_record(record, exit_code, units.size(), total_wrong);
    record["bytes_check"] = {{"ok", bytes_ok}, {"rank0_sent_per_step", got_sent},
                             {"rank0_received_per_step", got_received},
                             {"rank0_table_sent", want.sent}, {"rank0_table_received", want.received}};
    write_json_file(out_dir / "run.json", record);
  }
  return exit_code;
}

}  // namespace meshbench
