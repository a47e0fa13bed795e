#pragma once
// GPUs meshbench knows by their data sheets: peak dense tensor throughput (what MFU and GEMM
// efficiency are measured against) and the calibrated matmul efficiency the planner assumes
// when no `meshbench gemm` measurement is given.

#include <string>
#include <vector>

namespace meshbench {

struct GpuSpec {
  std::string name;              ///< a100-40g, a100-80g, h100, h100-pcie, h200, b200
  std::string generation;        ///< ampere, hopper, blackwell
  double peak_bf16_tflops = 0;   ///< dense, per GPU
  double peak_fp8_tflops = 0;    ///< dense, 0 when the GPU has no fp8
  double hbm_gib = 0;
  /// Achieved fraction of peak for the model's matmuls. One number per generation, calibrated
  /// on ../shared/data/published_runs_public.csv with `meshplan validate --calibrate` (see
  /// gpu_spec.cpp); `meshbench gemm` on a real GPU is the better source.
  double matmul_efficiency = 0;
};

/// How much faster Transformer Engine's fp8 linear-layer GEMMs run than the same GEMMs in bf16
/// at the planner's efficiencies. Megatron-Bridge's performance guide (docs/performance-guide.md,
/// quoted in docs/research/framework_overlap_defaults.md section 3): fp8 on the linear layers
/// "typically achiev[es] a speedup of 1.2-1.5X" end to end. Its midpoint 1.35 on a Llama 3 70B
/// layer at 8k tokens (linear GEMMs 86.5% of the FLOPs, attention 13.5% staying bf16) needs
/// the GEMMs 1 / ((1/1.35 - 0.135) / 0.865) = 1.43 times faster. Not fitted to any run.
inline constexpr double kFp8LinearGemmSpeedup = 1.43;

/// The fp8 linear GEMMs' fraction of the fp8 peak implied by a bf16 efficiency:
/// bf16_efficiency x kFp8LinearGemmSpeedup x bf16 peak / fp8 peak. 0 when the GPU has no fp8.
double fp8_matmul_efficiency(const GpuSpec& gpu, double bf16_efficiency);

/// By planner name (a100-40g, a100-80g, h100, h100-pcie, h200, b200) or by a name as runs and
/// the CUDA runtime report it ("A100-SXM4-80GB", "H100 SXM", "NVIDIA H100 80GB HBM3",
/// "NVIDIA H100 PCIe"). Throws ConfigError (patterns/model_config.hpp) listing the known names.
GpuSpec gpu_spec(const std::string& name);

/// Names of the known GPUs, in table order.
std::vector<std::string> gpu_spec_names();

}  // namespace meshbench
