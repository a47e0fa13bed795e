#pragma once
// GPUs and spec-sheet clusters the planner knows. Spec-sheet link figures are ASSUMPTIONS (vendor
// numbers and typical nccl-tests busbw), not measurements: a meshfit profile replaces them.

#include <string>
#include <vector>

namespace meshbench::plan {

struct GpuSpec {
  std::string name;              ///< a100-40g, a100-80g, h100, h200, b200
  std::string generation;        ///< ampere, hopper, blackwell
  double peak_bf16_tflops = 0;   ///< dense, per GPU
  double peak_fp8_tflops = 0;    ///< dense, 0 when the GPU has no fp8
  double hbm_gib = 0;
  /// Achieved fraction of peak for the model's matmuls. One number per generation, calibrated
  /// on ../shared/data/published_runs_public.csv with `meshplan validate --calibrate` (see
  /// hardware.cpp); `meshbench gemm` on a real GPU is the better source.
  double matmul_efficiency = 0;
};

/// By planner name (a100-40g, a100-80g, h100, h200, b200) or by a name as runs report it
/// ("A100-SXM4-80GB (Selene DGX A100)", "H100 SXM"). Throws ConfigError listing the known names.
GpuSpec gpu_spec(const std::string& name);

/// Per-tier link model: each ring step costs alpha_us, and a long message moves at bw_GBps of
/// bus bandwidth per GPU.
struct TierLink {
  double alpha_us = 0;
  double bw_GBps = 0;
};

struct ClusterSpec {
  std::string name;
  int gpus_per_node = 8;
  TierLink intra, inter;
  std::string note;  ///< where the numbers come from
};

/// dgx-a100 (NVLink3 + 8x HDR 200 Gb/s) or dgx-h100 (NVLink4 + 8x NDR 400 Gb/s). Throws
/// ConfigError for other names.
ClusterSpec cluster_spec(const std::string& name);

/// The spec-sheet cluster of a GPU's generation (ampere: dgx-a100, hopper and later: dgx-h100).
ClusterSpec cluster_for(const GpuSpec& gpu);

}  // namespace meshbench::plan
