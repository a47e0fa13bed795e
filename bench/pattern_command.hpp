#pragma once
// `meshbench pattern`: executes one training step's worth of an axis's traffic (from
// patterns/traffic) on the device mesh, all groups at once, with the real message sizes (or
// scaled by --scale), call counts and order: the 1F1B send/recv sequence for PP, ring rounds
// for CP, buckets for DP. Reports time per step per axis, achieved busbw and each axis's tier,
// and proves with a counting backend that every rank sent and received what the table says.

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "bench/backends/mpi/mpi_runtime.hpp"
#include "bench/measure_flags.hpp"
#include "bench/traffic_command.hpp"

namespace meshbench {

struct PatternOptions {
  TrainingOptions training;
  std::string axis = "all";      ///< tp, pp, dp, zero, cp, ep or all
  std::string order = "megatron";
  double scale = 1.0;            ///< multiply every message size by this (0 < scale <= 1)
  /// -n, -w and the adaptive bounds; a unit is one step's traffic of one row, so a point
  /// gets a larger time budget than a sweep's.
  MeasureFlags measure = [] {
    MeasureFlags f;
    f.min_iters = 3;
    f.max_time_s = 1.0;
    f.warmup_time_s = 0.5;
    return f;
  }();
  std::string wait = "auto";
  std::string backend = "auto";  ///< mpi | nccl | auto (bench/gpu.hpp)
  std::string out_dir;           ///< empty = results/<time>-pattern-<N>ranks
};

CLI::App* add_pattern_command(CLI::App& app, PatternOptions& o);

/// Runs on all ranks of the job. Returns 0, or 3 when a rank's counted bytes differ from the
/// table or an output element is wrong. Throws UsageError (bad input, world size not the layout's), MpiError.
int run_pattern(MpiRuntime& mpi, const PatternOptions& o,
                const std::vector<std::string>& command_line);

}  // namespace meshbench
