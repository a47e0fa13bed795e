#pragma once
// `meshbench gemm`: matmul throughput at the shapes of a model's layers under a layout, on
// every rank's GPU, as achieved TFLOP/s and efficiency against the GPU's peak. The summary
// (gemm.json, schema meshbench.gemm/1) goes into the cluster profile with
// `meshfit fit ... --gemm gemm.json`, where meshplan takes its matmul efficiency from.

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "bench/backends/mpi/mpi_runtime.hpp"
#include "bench/gemm.hpp"
#include "patterns/training_flags.hpp"

namespace meshbench {

struct GemmOptions {
  TrainingOptions training;          ///< --model, --layout (tp, cp, ep), --seq-length, ...
  std::vector<std::string> precisions;  ///< empty: bf16, and fp8 where the GPU has it
  int iters = 20;
  int warmup_iters = 5;
  std::string gpu;                   ///< peak-table name override (patterns/gpu_spec.hpp)
  std::string out_dir;
  std::string wait = "auto";
};

CLI::App* add_gemm_command(CLI::App& app, GemmOptions& options);

/// Runs the command. Returns 0, or throws UsageError / ConfigError (bad input), NoGpuError (no
/// GPU on some rank, or a build without NCCL) or NcclError.
int run_gemm(MpiRuntime& mpi, const GemmOptions& options,
             const std::vector<std::string>& command_line);

}  // namespace meshbench
