#pragma once
// Spec-sheet clusters the planner knows (GPUs: patterns/gpu_spec.hpp). Spec-sheet link figures are ASSUMPTIONS (vendor
// numbers and typical nccl-tests busbw), not measurements: a meshfit profile replaces them.

#include <string>
#include <vector>

#include "patterns/gpu_spec.hpp"

namespace meshbench::plan {

using meshbench::GpuSpec;
using meshbench::gpu_spec;

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
