#include "bench/sweep_command.hpp"

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <streambuf>
#include <thread>

#include "bench/collectives/collective_test.hpp"
#include "bench/gpu.hpp"
#include "bench/interrupt.hpp"
#include "bench/group_layout.hpp"
#include "bench/reporters/compare_report.hpp"
#include "bench/reporters/csv_writer.hpp"
#include "bench/reporters/run_output.hpp"
#include "bench/reporters/run_record.hpp"
#include "bench/reporters/table_reporter.hpp"
#include "bench/sweep.hpp"
#include "patterns/units.hpp"

namespace meshbench {
namespace {

std::uint64_t parse_size_flag(const char* flag, const std::string& text) {
  try {
    return parse_bytes(text);
  } catch (const SizeParseError& e) {
    throw UsageError(fmt::format("{}: {}", flag, e.what()));
  }
}

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

/// The value of `--name=value` in args, if given.
std::optional<std::string> flag_value(const std::vector<std::string>& args, const std::string& name) {
  std::optional<std::string> value;
  for (const auto& a : args) {
    if (starts_with(a, (name + "=").c_str())) value = a.substr(name.size() + 1);
  }
  return value;
}

/// Values Google Benchmark would take badly (a usage text and exit 0, or a crash on a negative
/// count) are refused here with one line.
void check_google_benchmark_values(const std::vector<std::string>& args) {
  if (const auto v = flag_value(args, "--benchmark_repetitions")) {
    int n = 0;
    try {
      std::size_t used = 0;
      n = std::stoi(*v, &used);
      if (used != v->size()) n = 0;
    } catch (const std::exception&) {
      n = 0;
    }
    if (n < 1 || n > 1000) {
      throw UsageError(fmt::format("--benchmark_repetitions must be an integer in [1, 1000], got '{}'", *v));
    }
  }
  for (const char* name : {"--benchmark_format", "--benchmark_out_format"}) {
    if (const auto v = flag_value(args, name); v && *v != "console" && *v != "json" && *v != "csv") {
      throw UsageError(fmt::format("{}: unknown format '{}' (console, json or csv)", name, *v));
    }
  }
}

/// --benchmark_out must not land on a file of the run itself (it would replace it).
void check_benchmark_out(const std::vector<std::string>& args, const std::filesystem::path& out_dir) {
  const auto v = flag_value(args, "--benchmark_out");
  if (!v) return;
  std::error_code ec;
  const auto target = std::filesystem::weakly_canonical(*v, ec);
  for (const char* f : {CsvPointWriter::kResultsFile, CsvPointWriter::kSamplesFile, "run.json",
                        CompareCollector::kCompareFile}) {
    std::error_code ec2;
    if (!ec && target == std::filesystem::weakly_canonical(out_dir / f, ec2) && !ec2) {
      throw UsageError(fmt::format("--benchmark_out: '{}' is this run's own {}; choose another file",
                                   *v, f));
    }
  }
}

/// Discards what is written to it: ranks other than 0 stay silent.
class NullBuffer final : public std::streambuf {
 protected:
  int overflow(int c) override { return c; }
};

/// Initializes Google Benchmark with the --benchmark_* flags. Every rank must run the same
/// benchmarks in the same order, so flags that would make ranks differ are refused, and only
/// rank 0 writes --benchmark_out.
void init_google_benchmark(std::vector<std::string> args, int rank) {
  check_google_benchmark_values(args);
  for (const auto& a : args) {
    if (starts_with(a, "--benchmark_enable_random_interleaving")) {
      throw UsageError(fmt::format(
          "{}: not supported under MPI (ranks would run the benchmarks in different orders)", a));
    }
  }
  if (rank != 0) {
    std::erase_if(args, [](const std::string& a) { return starts_with(a, "--benchmark_out"); });
  }
  std::vector<char*> argv;
  // Google Benchmark keeps argv[0] (the "executable" of its JSON context): static storage.
  static char program[] = "meshbench";
  argv.push_back(program);
  for (auto& a : args) argv.push_back(a.data());
  int argc = static_cast<int>(argv.size());
  argv.push_back(nullptr);
  benchmark::Initialize(&argc, argv.data());
  if (argc > 1) throw UsageError(fmt::format("unknown Google Benchmark flag '{}'", argv[1]));
}

std::filesystem::path default_out_dir(int nranks, MeasureMode mode) {
  return default_run_dir(
      fmt::format("{}-{}ranks", mode == MeasureMode::kCompare ? "compare" : "sweep", nranks));
}

/// The device meshes a run measures (one per order), validated before any rank splits.
struct MeshRequest {
  std::vector<DeviceMesh> meshes;  ///< empty: all ranks as one group
  MeshAxis axis = MeshAxis::kTp;
};

MeshRequest to_mesh_request(const SweepOptions& o, MeasureMode mode, int world_size) {
  MeshRequest req;
  if (o.mesh.empty()) {
    if (mode == MeasureMode::kCompare) throw UsageError("compare: --mesh is required");
    if (!o.axis.empty()) throw UsageError(fmt::format("--axis {} needs --mesh", o.axis));
    if (o.isolate) throw UsageError("--isolate needs --mesh and --axis");
    return req;
  }
  try {
    const MeshSizes sizes = parse_mesh_sizes(o.mesh);
    if (o.axis.empty()) throw UsageError("--mesh needs --axis (the axis whose groups to run)");
    const auto axis = parse_axis(o.axis);
    if (!axis) {
      throw UsageError(fmt::format("--axis: unknown axis '{}' (known: tp, cp, ep, dp, pp)",
                                   o.axis));
    }
    req.axis = *axis;
    std::vector<std::string> orders = {o.order};
    if (mode == MeasureMode::kCompare) {
      orders = o.orders;
      if (orders.size() < 2) {
        throw UsageError(fmt::format("--orders: give two or more orders to compare, got {}",
                                     orders.size()));
      }
    }
    std::vector<std::string> seen;
    for (const auto& text : orders) {
      DeviceMesh mesh(sizes, parse_mesh_order(text), world_size);
      // Orders that differ only in axes of size 1 place every group the same way.
      const auto groups = mesh.groups(req.axis);
      for (std::size_t i = 0; i < req.meshes.size(); ++i) {
        if (req.meshes[i].groups(req.axis) == groups && mode == MeasureMode::kCompare) {
          throw UsageError(fmt::format("--orders: '{}' and '{}' give the same {} groups",
                                       seen[i], text, o.axis));
        }
      }
      seen.push_back(text);
      req.meshes.push_back(std::move(mesh));
    }
  } catch (const MeshError& e) {
    throw UsageError(e.what());
  }
  return req;
}

std::string describe_layout(const GroupLayout& layout, bool isolate) {
  std::string text = fmt::format("# axis {} (mesh {}), {} group(s) {}:", layout.label(),
                                 layout.mesh, layout.group_count(),
                                 isolate ? "one at a time" : "at once");
  for (std::size_t g = 0; g < layout.groups.size(); ++g) {
    std::string ranks;
    for (int r : layout.groups[g]) ranks += fmt::format("{}{}", ranks.empty() ? "" : " ", r);
    const GroupPlacement& p = layout.placements[g];
    text += fmt::format("{} [{}] {} {}x{}", g == 0 ? "" : ";", ranks, p.tier(), p.nodes,
                        p.ranks_per_node);
  }
  return text;
}

/// The flags `sweep` and `compare` share.
void add_sweep_flags(CLI::App* sub, SweepOptions& o) {
  sub->add_option("-b,--minbytes", o.min_bytes, "Smallest size (K/M/G suffixes, binary)")
      ->capture_default_str();
  sub->add_option("-e,--maxbytes", o.max_bytes, "Largest size")->capture_default_str();
  sub->add_option("-f,--stepfactor", o.step_factor, "Multiply the size by this each step (> 1)")
      ->capture_default_str();
  add_measure_flags(sub, o.measure, "iterations");
  sub->add_option("-c,--check", o.check, "Verify results: 1 on, 0 off")->capture_default_str();
  sub->add_option("-d,--datatype", o.dtype, "float32 (float) or bf16 (bfloat16)")
      ->capture_default_str();
  sub->add_option("--ops", o.ops,
                  "Comma-separated ops: all_reduce, all_gather, reduce_scatter, all_to_all, "
                  "broadcast, send_recv, ping_pong (default: all)")
      ->delimiter(',');
  sub->add_option("--wait", o.wait,
                  "How ranks wait: spin, yield, or auto (yield when a node has more ranks "
                  "than cores)")
      ->capture_default_str();
  sub->add_option("--out", o.out_dir, "Output folder (default results/<time>-sweep-<N>ranks)");
  sub->add_option("--seed", o.seed, "Seed of the verification data")->capture_default_str();
  // Test-only fault injection: proves that verification catches a wrong element.
  sub->add_option("--debug-corrupt-rank", o.corrupt_rank,
                  "(test only) rank whose output gets one wrong element before verification")
      ->group("");
  sub->add_option("--mesh", o.mesh,
                  "Device mesh, e.g. tp=2,dp=2 (axes tp, cp, ep, dp, pp; product = ranks)");
  sub->add_option("--axis", o.axis, "Axis whose groups run the collectives (with --mesh)");
  sub->add_flag("--in-place", o.in_place,
                "Run in place (output aliases input as nccl.h defines it); all_to_all, "
                "send_recv and ping_pong have no in-place form and are skipped");
  sub->add_option("--backend", o.backend,
                  "mpi, nccl (one GPU per rank), or auto (nccl when this build has it and every "
                  "node has a GPU per rank, else mpi)")
      ->capture_default_str();
  sub->add_option("-G,--cudagraph", o.graph_calls,
                  "Capture this many calls into a CUDA graph and time each replay (nccl "
                  "backend; 0: launch each call)")
      ->capture_default_str();
  sub->add_option("--timeout", o.timeout_s,
                  "Seconds a call may wait before the run fails instead of hanging (yield wait "
                  "mode or nccl; 0: no limit)")
      ->capture_default_str();
  sub->add_flag("--isolate", o.isolate,
                "Run the axis's groups one at a time instead of all at once (contention shows "
                "as the difference)");
}

}  // namespace

CLI::App* add_sweep_command(CLI::App& app, SweepOptions& o) {
  CLI::App* sub = app.add_subcommand(
      "sweep",
      "Measure collectives over a range of sizes on all ranks of the job, or on every group of\n"
      "one mesh axis at once (run under mpiexec). Google Benchmark flags (--benchmark_filter,\n"
      "--benchmark_repetitions, --benchmark_out, --benchmark_out_format, --benchmark_format)\n"
      "are accepted too.");
  add_sweep_flags(sub, o);
  sub->add_option("--order", o.order,
                  "Mesh order, fastest varying (most local) first: megatron (tp-cp-ep-dp-pp), "
                  "torchtitan, a list such as dp-tp, or torchtitan:<slowest-first list>")
      ->capture_default_str();
  return sub;
}

CLI::App* add_compare_command(CLI::App& app, SweepOptions& o) {
  CLI::App* sub = app.add_subcommand(
      "compare",
      "Measure one mesh axis under two or more orders (e.g. tp inside vs across nodes) and\n"
      "show them side by side per size; writes compare.csv next to results.csv.");
  add_sweep_flags(sub, o);
  sub->add_option("--orders", o.orders, "Two or more mesh orders, e.g. tp-dp,dp-tp")
      ->delimiter(',')
      ->required();
  return sub;
}

SweepConfig to_sweep_config(const SweepOptions& o) {
  SweepConfig c;
  c.min_bytes = parse_size_flag("-b/--minbytes", o.min_bytes);
  c.max_bytes = parse_size_flag("-e/--maxbytes", o.max_bytes);
  c.step_factor = o.step_factor;
  sweep_sizes(c.min_bytes, c.max_bytes, c.step_factor);  // validates min, max and factor
  c.measure = to_measure_settings(o.measure, 5);
  if (o.check != 0 && o.check != 1) {
    throw UsageError(fmt::format("-c/--check must be 0 or 1, got {}", o.check));
  }
  c.check = o.check == 1;
  const auto dtype = parse_benchmark_dtype(o.dtype);
  if (!dtype) {
    throw UsageError(fmt::format("-d/--datatype: unknown datatype '{}' (use float32 or bf16)",
                                 o.dtype));
  }
  c.dtype = *dtype;
  if (o.ops.empty()) {
    c.ops.assign(all_collective_ops().begin(), all_collective_ops().end());
  }
  for (const auto& name : o.ops) {
    const auto op = parse_op(name);
    if (!op) {
      std::string known;
      for (CollectiveOp k : all_collective_ops()) known += fmt::format(" {}", op_name(k));
      throw UsageError(fmt::format("--ops: unknown op '{}' (known:{})", name, known));
    }
    if (std::find(c.ops.begin(), c.ops.end(), *op) != c.ops.end()) {
      throw UsageError(fmt::format("--ops: '{}' is given twice", name));
    }
    // An op named on the command line must run as asked (the default "all" skips such ops).
    if (o.in_place && !collective_test(*op).has_in_place()) {
      throw UsageError(fmt::format("--in-place --ops {}: {} has no in-place form", name, name));
    }
    c.ops.push_back(*op);
  }
  c.seed = o.seed;
  c.corrupt_rank = o.corrupt_rank;
  c.in_place = o.in_place;
  c.launch = launch_plan_for_graph_flag(o.graph_calls);
  if (o.timeout_s < 0) throw UsageError(fmt::format("--timeout must be >= 0, got {}", o.timeout_s));
  c.timeout_s = o.timeout_s;
  return c;
}

int run_sweep(MpiRuntime& mpi, const SweepOptions& options, MeasureMode measure_mode,
              std::vector<std::string> benchmark_args,
              const std::vector<std::string>& command_line) {
  const SweepConfig config = to_sweep_config(options);
  const Topology topo = mpi.discover_topology();
  const bool root = topo.rank == 0;
  init_google_benchmark(benchmark_args, topo.rank);
  const bool gb_format_given = std::any_of(command_line.begin(), command_line.end(),
      [](const std::string& a) { return starts_with(a, "--benchmark_format"); });
  if (config.corrupt_rank >= topo.world_size) {
    throw UsageError(fmt::format("--debug-corrupt-rank {} is not a rank of this {}-rank job",
                                 config.corrupt_rank, topo.world_size));
  }
  const MeshRequest mesh_request = to_mesh_request(options, measure_mode, topo.world_size);

  const unsigned cores = std::thread::hardware_concurrency();  // recorded in run.json
  const WaitMode mode = mpi.choose_wait_mode(options.wait, topo);
  auto world = mpi.world(mode);
  world->set_timeout(config.timeout_s);
  // The benchmarks run on MPI, or on an NCCL communicator over the same ranks; the MPI world
  // keeps the harness's own traffic (barriers, timing reductions, verification counts).
  const BenchWorld bench = open_bench_world(options.backend, topo, *world, config.timeout_s);
  if (config.launch.graph && bench.backend != "nccl") {
    throw UsageError(fmt::format("-G/--cudagraph {} needs --backend nccl (with --backend {} this "
                                 "run uses mpi, which has no CUDA graphs)", options.graph_calls,
                                 options.backend));
  }
  const std::string& backend = bench.backend;
  const GpuProbe& gpu = bench.gpu;
  Communicator& bench_world = *bench.comm;
  // The groups to run on: all ranks, or the groups of one axis under each requested order.
  std::vector<GroupLayout> layouts;
  if (mesh_request.meshes.empty()) layouts.push_back(world_layout(bench_world, topo));
  for (const DeviceMesh& mesh : mesh_request.meshes) {
    layouts.push_back(axis_layout(bench_world, topo, mesh, mesh_request.axis));
  }

  // Rank 0 owns the output; every rank learns whether it could be created.
  const std::filesystem::path out_dir =
      options.out_dir.empty() ? default_out_dir(topo.world_size, measure_mode)
                              : std::filesystem::path(options.out_dir);
  // Memory: the largest point's buffers on one rank against the least memory per rank of any
  // node (host memory over its ranks, or the rank's GPU), before any file is written.
  std::uint64_t need = 0;
  for (const GroupLayout& l : layouts) need = std::max(need, sweep_buffer_bytes(config, l.comm->size()));
  const std::uint64_t have =
      backend == "nccl"
          ? static_cast<std::uint64_t>(
                gpu.devices[static_cast<std::size_t>(my_device(topo, gpu))].memory_gib * (1 << 30))
          : host_memory_bytes() / static_cast<std::uint64_t>(std::max(1, topo.ranks_per_node));
  // The minimum over ranks, as the max of the complement (the communicator reduces sum and max).
  std::uint64_t complement = UINT64_MAX - have, max_complement = 0;
  world->all_reduce(&complement, &max_complement, 1, Datatype::kUint64, ReduceOp::kMax);
  const std::uint64_t least = UINT64_MAX - max_complement;
  if (need > least) {
    throw UsageError(fmt::format("-e/--maxbytes {}: the largest point needs {} of buffers per "
                                 "rank; a rank of this job has {} of {} memory",
                                 options.max_bytes, format_bytes_approx(static_cast<double>(need)),
                                 format_bytes_approx(static_cast<double>(least)),
                                 backend == "nccl" ? "GPU" : "host"));
  }
  // The largest call's element count against the library's count type (MPI's int).
  for (const GroupLayout& l : layouts) {
    for (CollectiveOp op : config.ops) {
      if (l.comm->size() < min_ranks(op)) continue;
      const std::uint64_t count = call_count(
          op, element_counts(op, config.max_bytes, l.comm->size(), element_bytes(config.dtype)),
          l.comm->size());
      if (count > l.comm->max_call_count()) {
        throw UsageError(fmt::format("-e/--maxbytes {}: {} would hand {} {} elements per call, "
                                     "beyond its count limit {} (use --backend nccl, or a "
                                     "smaller -e)", options.max_bytes, op_name(op), backend,
                                     count, l.comm->max_call_count()));
      }
    }
  }
  std::unique_ptr<CsvPointWriter> writer;
  nlohmann::json record;
  bool created_out_dir = false;
  setup_on_root(*world, [&] {
    check_benchmark_out(benchmark_args, out_dir);  // paths resolve on rank 0, as it writes
    created_out_dir = create_run_dir(out_dir);
    writer = std::make_unique<CsvPointWriter>(
        out_dir, RunFacts{topo.nodes, topo.ranks_per_node, wait_mode_name(mode), backend,
                          launch_name(config.launch)});
    record = make_run_record(RunRecordInputs{
        measure_mode == MeasureMode::kCompare ? "compare" : "sweep", command_line, topo,
        wait_mode_name(mode), mpi.library_version(), mpi.transport_version(), cores, backend,
        backend == "nccl" ? gpu_probe_json(gpu) : nlohmann::json(nullptr),
        sweep_config_json(config),
        {{"results_csv", CsvPointWriter::kResultsFile}, {"samples_csv", CsvPointWriter::kSamplesFile}}});
    nlohmann::json& placements = record["layouts"] = nlohmann::json::array();
    for (const GroupLayout& l : layouts) {
      nlohmann::json groups = nlohmann::json::array();
      for (std::size_t g = 0; g < l.groups.size(); ++g) {
        const GroupPlacement& p = l.placements[g];
        groups.push_back({{"ranks", l.groups[g]}, {"tier", p.tier()}, {"nodes", p.nodes},
                          {"ranks_per_node", p.ranks_per_node}, {"even", p.even}});
      }
      placements.push_back({{"mesh", l.mesh}, {"order", l.order}, {"axis", l.axis},
                            {"isolate", options.isolate}, {"groups", groups}});
    }
    write_json_file(out_dir / "run.json", record);
  });

  SweepOutcome outcome;
  CompareCollector compare(writer.get());
  PointSink* sink = measure_mode == MeasureMode::kCompare ? static_cast<PointSink*>(&compare)
                                                          : writer.get();
  std::vector<SkippedPoint> skipped;
  // Google Benchmark's registry is global: a second sweep in one process (meshbench profile)
  // must not rerun the first one's points, whose state is gone.
  benchmark::ClearRegisteredBenchmarks();
  for (const GroupLayout& layout : layouts) {
    auto s = register_sweep_benchmarks(*world, layout, options.isolate, config, sink, outcome);
    skipped.insert(skipped.end(), s.begin(), s.end());
  }

  if (root) {
    fmt::print("# meshbench {}: {} ranks on {} node(s), {} ranks per node, backend {}, wait "
               "mode {}, dtype {}{}\n# measure {}, launch {}, check {}, MPI: {}{}\n",
               measure_mode == MeasureMode::kCompare ? "compare" : "sweep", topo.world_size,
               topo.nodes, topo.ranks_per_node, backend, wait_mode_name(mode),
               dtype_name(config.dtype), config.in_place ? ", in place" : "",
               describe_measure_settings(config.measure), launch_name(config.launch), config.check ? "on" : "off",
               mpi.library_version(),
               mpi.transport_version().empty() ? "" : ", UCX " + mpi.transport_version());
    if (backend == "nccl") {
      fmt::print("# NCCL {}, CUDA runtime {}, driver {}, {} GPU(s) on rank 0's node: {}\n",
                 gpu.nccl_version, gpu.cuda_runtime_version, gpu.cuda_driver_version,
                 gpu.device_count, gpu.devices.empty() ? "" : gpu.devices.front().name);
    }
    for (int n = 0; n < topo.nodes; ++n) {
      std::string ranks;
      for (int r = 0; r < topo.world_size; ++r) {
        if (topo.node_of_rank[static_cast<std::size_t>(r)] == n) ranks += fmt::format(" {}", r);
      }
      fmt::print("#   node {} ({}): ranks{}\n", n, topo.node_hosts[static_cast<std::size_t>(n)],
                 ranks);
    }
    for (const GroupLayout& layout : layouts) {
      if (!layout.order.empty()) fmt::print("{}\n", describe_layout(layout, options.isolate));
    }
    for (const auto& s : skipped) {
      fmt::print("# skipped {}{}: {}\n", op_name(s.op),
                 s.requested_bytes ? fmt::format(" at {} B", s.requested_bytes) : "", s.reason);
    }
    std::cout.flush();
  }

  // Rank 0 reports; the others run the same benchmarks silently.
  TableReporter table;
  SilentReporter silent;
  std::unique_ptr<benchmark::BenchmarkReporter> gb_default;
  benchmark::BenchmarkReporter* display = &silent;
  NullBuffer null_buffer;
  std::streambuf* saved_cout = std::cout.rdbuf();
  if (root) {
    if (gb_format_given) gb_default.reset(benchmark::CreateDefaultDisplayReporter());
    display = gb_default ? gb_default.get() : &table;
  } else {
    std::cout.rdbuf(&null_buffer);  // GB prints some things (--benchmark_list_tests) directly
  }
  std::size_t matched = 0;
  bool interrupted = false;
  try {
    matched = benchmark::RunSpecifiedBenchmarks(display, nullptr);
  } catch (const Interrupted&) {
    // Every rank stopped at the same iteration; the points before it are in the CSVs already.
    interrupted = true;
  } catch (...) {
    std::cout.rdbuf(saved_cout);
    throw;
  }
  std::cout.rdbuf(saved_cout);
  benchmark::Shutdown();
  if (matched == 0 && !interrupted) {
    if (root) {
      // Nothing was measured: leave no empty result files behind.
      writer.reset();
      std::error_code ec;
      for (const char* f : {CsvPointWriter::kResultsFile, CsvPointWriter::kSamplesFile, "run.json"}) {
        std::filesystem::remove(out_dir / f, ec);
      }
      if (created_out_dir) std::filesystem::remove(out_dir, ec);  // only if empty
    }
    throw UsageError(fmt::format("--benchmark_filter: '{}' matches no benchmark",
                                 benchmark::GetBenchmarkFilter()));
  }

  const int exit_code = interrupted ? kInterruptedExitCode : outcome.wrong > 0 ? 3 : 0;
  if (root && measure_mode == MeasureMode::kCompare) {
    std::vector<std::string> orders;
    for (const GroupLayout& l : layouts) orders.push_back(l.order);
    compare.print(std::cout, orders);
    compare.write_csv(out_dir, orders);
  }
  if (root) {
    finish_run_record(record, exit_code, outcome.points, outcome.wrong);
    write_json_file(out_dir / "run.json", record);
    fmt::print("# results: {}\n#   {} (one row per point), {} (every timed iteration), "
               "run.json\n",
               out_dir.string(), CsvPointWriter::kResultsFile, CsvPointWriter::kSamplesFile);
    if (interrupted) {
      fmt::print(stderr, "meshbench: interrupted: {} point(s) measured before it are kept\n",
                 outcome.points);
    }
    if (outcome.wrong > 0) {
      fmt::print(stderr, "meshbench: verification FAILED: {} wrong element(s)\n", outcome.wrong);
    }
  }
  return exit_code;
}

}  // namespace meshbench
