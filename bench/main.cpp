// meshbench: the measurement executable. Run under mpiexec (or srun).
//
// Exit codes: 0 success; 1 runtime failure (MPI, NCCL or CUDA error, I/O); 2 bad input; 3 wrong
// results; 4 no GPU (a GPU command or --backend nccl where there is none).

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <exception>
#include <string>
#include <vector>

#include "bench/backends/mpi/mpi_error.hpp"
#include "bench/backends/mpi/mpi_runtime.hpp"
#include "bench/accept_command.hpp"
#include "bench/gemm_command.hpp"
#include "bench/gpu.hpp"
#include "bench/interrupt.hpp"
#include "bench/pairs_command.hpp"
#include "bench/pattern_command.hpp"
#include "bench/profile_command.hpp"
#include "bench/sweep_command.hpp"
#include "bench/traffic_command.hpp"
#include "patterns/model_config.hpp"

namespace {

bool is_benchmark_flag(const std::string& arg) {
  return arg.rfind("--benchmark_", 0) == 0 || arg.rfind("--v=", 0) == 0;
}

std::string host_name() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> command_line(argv, argv + argc);
  std::unique_ptr<meshbench::MpiRuntime> mpi;
  try {
    mpi = std::make_unique<meshbench::MpiRuntime>(&argc, &argv);
  } catch (const std::exception& e) {
    fmt::print(stderr, "meshbench: {} on host {}\n", e.what(), host_name());
    return 1;
  }
  const int rank = mpi->world_rank();

  // Google Benchmark's flags go to Google Benchmark; CLI11 parses the rest (and owns --help).
  std::vector<std::string> benchmark_args;
  std::vector<std::string> own_args;
  for (int i = 1; i < argc; ++i) {
    (is_benchmark_flag(argv[i]) ? benchmark_args : own_args).emplace_back(argv[i]);
  }

  CLI::App app{"meshbench: collective-communication benchmarks for distributed training"};
  app.require_subcommand(1);
  meshbench::SweepOptions sweep_options;
  CLI::App* sweep = meshbench::add_sweep_command(app, sweep_options);
  meshbench::SweepOptions compare_options;
  CLI::App* compare = meshbench::add_compare_command(app, compare_options);
  meshbench::PairsOptions pairs_options;
  CLI::App* pairs = meshbench::add_pairs_command(app, pairs_options);
  meshbench::TrafficCommandOptions traffic_options;
  CLI::App* traffic = meshbench::add_traffic_command(app, traffic_options);
  meshbench::AcceptOptions accept_options;
  CLI::App* accept = meshbench::add_accept_command(app, accept_options);
  meshbench::PatternOptions pattern_options;
  CLI::App* pattern = meshbench::add_pattern_command(app, pattern_options);
  meshbench::ProfileOptions profile_options;
  CLI::App* profile = meshbench::add_profile_command(app, profile_options);
  meshbench::GemmOptions gemm_options;
  CLI::App* gemm = meshbench::add_gemm_command(app, gemm_options);

  int code = 0;
  try {
    std::vector<std::string> reversed(own_args.rbegin(), own_args.rend());  // CLI11 wants reverse
    app.parse(reversed);
    // Only the commands whose loops honour it (the harness, the pair matrix) catch Ctrl-C;
    // elsewhere (gemm, traffic) it keeps its default action and ends the process.
    if (sweep->parsed() || compare->parsed() || pairs->parsed() || accept->parsed() ||
        pattern->parsed() || profile->parsed()) {
      meshbench::install_interrupt_handlers();
    }
    if (sweep->parsed()) {
      code = meshbench::run_sweep(*mpi, sweep_options, meshbench::MeasureMode::kSweep,
                                  benchmark_args, command_line);
    } else if (compare->parsed()) {
      code = meshbench::run_sweep(*mpi, compare_options, meshbench::MeasureMode::kCompare,
                                  benchmark_args, command_line);
    } else if (pairs->parsed()) {
      code = meshbench::run_pairs(*mpi, pairs_options, command_line);
    } else if (traffic->parsed()) {
      // Pure computation: rank 0 prints, the others (if any) have nothing to add.
      code = rank == 0 ? meshbench::run_traffic(traffic_options) : 0;
    } else if (accept->parsed()) {
      code = meshbench::run_accept(*mpi, accept_options, command_line);
    } else if (pattern->parsed()) {
      code = meshbench::run_pattern(*mpi, pattern_options, command_line);
    } else if (profile->parsed()) {
      code = meshbench::run_profile(*mpi, profile_options, command_line);
    } else if (gemm->parsed()) {
      code = meshbench::run_gemm(*mpi, gemm_options, command_line);
    }
  } catch (const CLI::ParseError& e) {
    if (rank == 0) {
      code = app.exit(e);
    } else {
      code = e.get_exit_code();
    }
    code = code == 0 ? 0 : 2;
  } catch (const meshbench::NoGpuError& e) {
    // Every rank throws it together (require_gpu_on_every_rank), so no rank waits for another.
    if (rank == 0) fmt::print(stderr, "meshbench: no GPU: {}\n", e.what());
    code = meshbench::kNoGpuExitCode;
  } catch (const meshbench::InputError& e) {
    // Every kind of bad input (patterns/input_error.hpp). Readers run on every rank before any
    // collective, so all ranks throw it together and none waits for another.
    if (rank == 0 && *e.what()) fmt::print(stderr, "meshbench: error: {}\n", e.what());
    code = 2;
  } catch (const meshbench::Interrupted& e) {
    // Every rank stopped at the same iteration of the harness (a command with nothing to keep).
    if (rank == 0) fmt::print(stderr, "meshbench: {}\n", e.what());
    code = meshbench::kInterruptedExitCode;
  } catch (const std::exception& e) {
    // A failure on one rank leaves the others waiting in a collective: abort the job.
    fmt::print(stderr, "meshbench: rank {} on host {}: {}\n", rank, host_name(), e.what());
    mpi->abort(1);
  }
  mpi->finalize(code);
  return code;
}
