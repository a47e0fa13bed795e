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

/// One precision's result on one rank, over all shapes of the layer.
struct GemmSummary {
  double flops_per_layer = 0;     ///< sum of the shapes' flops (x calls per layer)
  double time_us_per_layer = 0;   ///< sum of their p50 times (x calls per layer)
  double tflops() const { return flops_per_layer / time_us_per_layer * 1e-6; }
};

/// The flop-weighted efficiency of a layer's matmuls: (sum of flops / sum of times) / peak.
/// This is what the planner's compute time assumes (fit/plan/estimate.hpp), not the mean of
/// per-shape efficiencies, which would overweight small shapes. Throws std::invalid_argument
/// for a non-positive peak or time.
double flop_weighted_efficiency(const GemmSummary& summary, double peak_tflops);

/// Runs the command. Returns 0, or throws UsageError / ConfigError (bad input), NoGpuError (no
/// GPU on some rank, or a build without NCCL) or NcclError.
int run_gemm(MpiRuntime& mpi, const GemmOptions& options,
             const std::vector<std::string>& command_line);

}  // namespace meshbench
