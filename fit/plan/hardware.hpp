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
  TierLink intra, inter;
  std::string note;  ///< where the numbers come from
};

/// The usual system of an accelerator, from its row of patterns/data/accelerators.csv: the
/// scale-up link at 80% of its per-direction line rate (NCCL's ring busbw on DGX: 232 of 300
/// GB/s on A100 in shared/data/nccl-tests, about 360 of 450 on H100) with 2.5 us per step, the
/// per-GPU NIC at 90% of line rate with 6 us per step (a 400 Gb/s NIC where the table has no
/// figure, said in the note); figures printed as ASSUMED. Throws ConfigError when the table has
/// no scale-up figure for it (give --profile).
ClusterSpec cluster_for(const GpuSpec& gpu);

/// By name: "dgx-a100", "dgx-h100" (the usual systems of a100-80g and h100), or "<id>-system"
/// for any accelerator of the table ("b200-system", "gb200-system"). Throws ConfigError for
/// other names.
ClusterSpec cluster_spec(const std::string& name);

}  // namespace meshbench::plan
