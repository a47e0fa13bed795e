#pragma once
// `meshbench sweep` and `meshbench compare`: CLI options, their validation, and the run itself.

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "bench/backends/mpi/mpi_runtime.hpp"
#include "bench/measure_flags.hpp"
#include "bench/sweep_config.hpp"

namespace meshbench {

/// The sweep's flags as typed (validated by to_sweep_config).
struct SweepOptions {
  std::string min_bytes = "8";
  std::string max_bytes = "4M";
  double step_factor = 2.0;
  MeasureFlags measure;          ///< -n, -w, --precision, --min-iters, --min-time, --max-time
  int check = 1;
  std::string dtype = "float32";
  std::vector<std::string> ops;  ///< empty = all
  std::string wait = "auto";
  std::string out_dir;           ///< empty = results/<time>-sweep-<N>ranks
  std::uint64_t seed = 1;
  int corrupt_rank = -1;
  std::string mesh;              ///< --mesh tp=2,dp=2 (empty: all ranks as one group)
  std::string order = "megatron";  ///< --order (sweep)
  std::vector<std::string> orders;  ///< --orders (compare: two or more)
  std::string axis;              ///< --axis tp|cp|ep|dp|pp (required with --mesh)
  bool isolate = false;          ///< --isolate: one group at a time
  bool in_place = false;         ///< --in-place
  int graph_calls = 0;           ///< -G: calls per CUDA graph (0: eager)
  double timeout_s = 0;          ///< --timeout
  std::string backend = "auto";  ///< --backend mpi|nccl|auto
};

enum class MeasureMode {
  kSweep,    ///< one placement
  kCompare,  ///< the same axis under several orders, side by side
};

/// Adds the `sweep` subcommand (flags after nccl-tests: -b -e -f -n -w -c -d, plus --mesh,
/// --order, --axis, --isolate) to `app`.
CLI::App* add_sweep_command(CLI::App& app, SweepOptions& options);

/// Adds the `compare` subcommand: the sweep flags with --orders instead of --order.
CLI::App* add_compare_command(CLI::App& app, SweepOptions& options);

/// Validates and converts the flags. Throws UsageError naming the flag and the bad value.
SweepConfig to_sweep_config(const SweepOptions& options);

/// Runs the sweep (or comparison) on all ranks of the job. `benchmark_args` are the
/// --benchmark_* flags (for Google Benchmark), `command_line` is recorded in run.json. Returns
/// the exit code: 0, or 3 if any element was wrong. Throws UsageError (bad input), MpiError or
/// std::runtime_error.
int run_sweep(MpiRuntime& mpi, const SweepOptions& options, MeasureMode mode,
              std::vector<std::string> benchmark_args,
              const std::vector<std::string>& command_line);

}  // namespace meshbench
