#include "bench/sweep_command.hpp"

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <streambuf>
#include <thread>

#include "bench/reporters/csv_writer.hpp"
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

/// Discards what is written to it: ranks other than 0 stay silent.
class NullBuffer final : public std::streambuf {
 protected:
  int overflow(int c) override { return c; }
};

/// Initializes Google Benchmark with the --benchmark_* flags. Every rank must run the same
/// benchmarks in the same order, so flags that would make ranks differ are refused, and only
/// rank 0 writes --benchmark_out.
void init_google_benchmark(std::vector<std::string> args, int rank) {
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
  std::string program = "meshbench";
  argv.push_back(program.data());
  for (auto& a : args) argv.push_back(a.data());
  int argc = static_cast<int>(argv.size());
  argv.push_back(nullptr);
  benchmark::Initialize(&argc, argv.data());
  if (argc > 1) throw UsageError(fmt::format("unknown Google Benchmark flag '{}'", argv[1]));
}

std::filesystem::path default_out_dir(int nranks) {
  std::string stamp = utc_now_iso8601();  // 2026-11-21T05:11:00Z -> 20261121T051100Z
  std::erase_if(stamp, [](char c) { return c == '-' || c == ':'; });
  return std::filesystem::path("results") / fmt::format("{}-sweep-{}ranks", stamp, nranks);
}

}  // namespace

CLI::App* add_sweep_command(CLI::App& app, SweepOptions& o) {
  CLI::App* sub = app.add_subcommand(
      "sweep",
      "Measure collectives over a range of sizes on all ranks of the job (run under mpiexec).\n"
      "Google Benchmark flags (--benchmark_filter, --benchmark_repetitions, --benchmark_out,\n"
      "--benchmark_out_format, --benchmark_format) are accepted too.");
  sub->add_option("-b,--minbytes", o.min_bytes, "Smallest size (K/M/G suffixes, binary)")
      ->capture_default_str();
  sub->add_option("-e,--maxbytes", o.max_bytes, "Largest size")->capture_default_str();
  sub->add_option("-f,--stepfactor", o.step_factor, "Multiply the size by this each step (> 1)")
      ->capture_default_str();
  sub->add_option("-n,--iters", o.iters, "Timed iterations per size")->capture_default_str();
  sub->add_option("-w,--warmup_iters", o.warmup_iters, "Untimed iterations before them")
      ->capture_default_str();
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
  return sub;
}

SweepConfig to_sweep_config(const SweepOptions& o) {
  SweepConfig c;
  c.min_bytes = parse_size_flag("-b/--minbytes", o.min_bytes);
  c.max_bytes = parse_size_flag("-e/--maxbytes", o.max_bytes);
  c.step_factor = o.step_factor;
  sweep_sizes(c.min_bytes, c.max_bytes, c.step_factor);  // validates min, max and factor
  if (o.iters < 1) throw UsageError(fmt::format("-n/--iters must be >= 1, got {}", o.iters));
  if (o.warmup_iters < 0) {
    throw UsageError(fmt::format("-w/--warmup_iters must be >= 0, got {}", o.warmup_iters));
  }
  c.iters = o.iters;
  c.warmup_iters = o.warmup_iters;
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
    c.ops.push_back(*op);
  }
  if (o.wait != "auto" && o.wait != "spin" && o.wait != "yield") {
    throw UsageError(fmt::format("--wait: unknown mode '{}' (use spin, yield or auto)", o.wait));
  }
  c.seed = o.seed;
  c.corrupt_rank = o.corrupt_rank;
  return c;
}

int run_sweep(MpiRuntime& mpi, const SweepOptions& options,
              std::vector<std::string> benchmark_args,
              const std::vector<std::string>& command_line) {
  const SweepConfig config = to_sweep_config(options);
  const Topology topo = mpi.discover_topology();
  const bool root = topo.rank == 0;
  init_google_benchmark(std::move(benchmark_args), topo.rank);
  const bool gb_format_given = std::any_of(command_line.begin(), command_line.end(),
      [](const std::string& a) { return starts_with(a, "--benchmark_format"); });
  if (config.corrupt_rank >= topo.world_size) {
    throw UsageError(fmt::format("--debug-corrupt-rank {} is not a rank of this {}-rank job",
                                 config.corrupt_rank, topo.world_size));
  }

  const unsigned cores = std::thread::hardware_concurrency();
  const WaitMode mode = options.wait == "auto" ? mpi.agree_auto_wait_mode(topo, cores)
                        : options.wait == "yield" ? WaitMode::kYield
                                                  : WaitMode::kSpin;
  auto world = mpi.world(mode);

  // Rank 0 owns the output; every rank learns whether it could be created.
  const std::filesystem::path out_dir =
      options.out_dir.empty() ? default_out_dir(topo.world_size)
                              : std::filesystem::path(options.out_dir);
  std::unique_ptr<CsvPointWriter> writer;
  nlohmann::json record;
  std::string setup_error;
  bool created_out_dir = false;
  if (root) {
    try {
      std::error_code ec;
      created_out_dir = std::filesystem::create_directories(out_dir, ec);
      if (ec) {
        throw UsageError(fmt::format("--out: cannot create '{}': {}", out_dir.string(),
                                     ec.message()));
      }
      writer = std::make_unique<CsvPointWriter>(
          out_dir, RunFacts{topo.nodes, topo.ranks_per_node, wait_mode_name(mode)});
      record = make_run_record(RunRecordInputs{command_line, topo, wait_mode_name(mode),
                                               mpi.library_version(), mpi.transport_version(),
                                               config, cores});
      write_json_file(out_dir / "run.json", record);
    } catch (const std::exception& e) {
      setup_error = e.what();
    }
  }
  std::uint64_t failed = setup_error.empty() ? 0 : 1, any_failed = 0;
  world->all_reduce(&failed, &any_failed, 1, Datatype::kUint64, ReduceOp::kSum);
  if (any_failed) throw UsageError(root ? setup_error : std::string());

  SweepOutcome outcome;
  const auto skipped = register_sweep_benchmarks(*world, config, writer.get(), outcome);

  if (root) {
    fmt::print("# meshbench sweep: {} ranks on {} node(s), {} ranks per node, wait mode {}, "
               "dtype {}\n# iters {}, warmup {}, check {}, MPI: {}{}\n",
               topo.world_size, topo.nodes, topo.ranks_per_node, wait_mode_name(mode),
               dtype_name(config.dtype), config.iters, config.warmup_iters,
               config.check ? "on" : "off", mpi.library_version(),
               mpi.transport_version().empty() ? "" : ", UCX " + mpi.transport_version());
    for (int n = 0; n < topo.nodes; ++n) {
      std::string ranks;
      for (int r = 0; r < topo.world_size; ++r) {
        if (topo.node_of_rank[static_cast<std::size_t>(r)] == n) ranks += fmt::format(" {}", r);
      }
      fmt::print("#   node {} ({}): ranks{}\n", n, topo.node_hosts[static_cast<std::size_t>(n)],
                 ranks);
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
  try {
    matched = benchmark::RunSpecifiedBenchmarks(display, nullptr);
  } catch (...) {
    std::cout.rdbuf(saved_cout);
    throw;
  }
  std::cout.rdbuf(saved_cout);
  benchmark::Shutdown();
  if (matched == 0) {
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

  const int exit_code = outcome.wrong > 0 ? 3 : 0;
  if (root) {
    finish_run_record(record, exit_code, outcome.points, outcome.wrong);
    write_json_file(out_dir / "run.json", record);
    fmt::print("# results: {}\n#   {} (one row per point), {} (every timed iteration), "
               "run.json\n",
               out_dir.string(), CsvPointWriter::kResultsFile, CsvPointWriter::kSamplesFile);
    if (outcome.wrong > 0) {
      fmt::print(stderr, "meshbench: verification FAILED: {} wrong element(s)\n", outcome.wrong);
    }
  }
  return exit_code;
}

}  // namespace meshbench
