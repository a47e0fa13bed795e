#pragma once
// Accelerators meshbench knows by their data sheets: peak dense tensor throughput (what MFU and
// GEMM efficiency are measured against), HBM, the usual system's links, and the calibrated
// matmul efficiency the planner assumes when no `meshbench gemm` measurement is given. The
// figures are one data table, patterns/data/accelerators.csv, compiled in; every figure's
// source is in its source_* columns and patterns/data/accelerators_SOURCES.md.

#include <string>
#include <vector>

namespace meshbench {

struct GpuSpec {
  std::string name;              ///< the table's id: a100-80g, h100, b200, mi300x, tpu-v5p, ...
  std::string label;             ///< as the vendor names it ("H100 SXM")
  std::string generation;        ///< volta, ampere, hopper, blackwell, cdna2..4, tpu
  double peak_bf16_tflops = 0;   ///< dense, per GPU (V100: fp16, it has no bf16)
  double peak_fp8_tflops = 0;    ///< dense, 0 when the GPU has no fp8
  double hbm_gib = 0;            ///< the data sheet's GB
  double hbm_tb_per_s = 0;       ///< HBM bandwidth, TB/s
  double scaleup_gb_per_s = 0;   ///< NVLink / xGMI / ICI per GPU per direction, GB/s (0: unknown)
  double scaleout_gb_per_s = 0;  ///< the usual system's NIC bandwidth per GPU per direction (0: unknown)
  int ranks_per_node = 8;        ///< GPUs per OS node in the usual system
  int scaleup_domain = 8;        ///< GPUs one scale-up link joins (NVL72: 72; DGX: 8)
  /// Achieved fraction of peak for the model's matmuls: the calibrated value of the generation
  /// named in the table's efficiency_from column (ampere or hopper: the generations the public
  /// runs cover), from `meshplan validate --calibrate` (see gpu_spec.cpp); `meshbench gemm` on a
  /// real GPU is the better source.
  double matmul_efficiency = 0;
  std::string efficiency_from;   ///< the calibrated generation matmul_efficiency comes from
};

/// How much faster Transformer Engine's fp8 linear-layer GEMMs run than the same GEMMs in bf16
/// at the planner's efficiencies. Megatron-Bridge's performance guide (docs/performance-guide.md,
/// quoted in docs/research/framework_overlap_defaults.md section 3): fp8 on the linear layers
/// "typically achiev[es] a speedup of 1.2-1.5X" end to end. Its midpoint 1.35 on a Llama 3 70B
/// layer at 8k tokens (linear GEMMs 86.5% of the FLOPs, attention 13.5% staying bf16) needs
/// the GEMMs 1 / ((1/1.35 - 0.135) / 0.865) = 1.43 times faster. Not fitted to any run.
inline constexpr double kFp8LinearGemmSpeedup = 1.43;

/// How many times the bytes of fit/plan/model_math's layer_elementwise_bytes cross HBM per
/// micro-batch (forward and backward, recomputation included), at the GPU's HBM bandwidth: the
/// memory-bound work the matmul efficiency does not cover, which weighs most on narrow models
/// (its bytes grow with h, the GEMMs' FLOPs with h^2). Fitted with the matmul efficiencies by
/// `meshplan validate --calibrate` on the public rows (gpu_spec.cpp).
double elementwise_passes();

/// The fp8 linear GEMMs' fraction of the fp8 peak implied by a bf16 efficiency:
/// bf16_efficiency x kFp8LinearGemmSpeedup x bf16 peak / fp8 peak, at most 1. 0 when the GPU
/// has no fp8.
double fp8_matmul_efficiency(const GpuSpec& gpu, double bf16_efficiency);

/// By id (a100-80g, h100, ...) or by a name as runs and the CUDA runtime report it
/// ("A100-SXM4-80GB", "H100 SXM", "NVIDIA H100 80GB HBM3", "DGX-GB200"): the table row whose
/// id or alias is the longest found in the name (letters and digits compared, case ignored).
/// Throws ConfigError (patterns/model_config.hpp) listing the known ids.
GpuSpec gpu_spec(const std::string& name);

/// Ids of the known accelerators, in table order.
std::vector<std::string> gpu_spec_names();

/// The calibrated matmul efficiency of a generation ("ampere", "hopper"); 0 for others.
double calibrated_efficiency(const std::string& generation);

}  // namespace meshbench
