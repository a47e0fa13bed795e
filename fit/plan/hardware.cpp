#include "fit/plan/hardware.hpp"

#include <fmt/format.h>

#include "patterns/model_config.hpp"

namespace meshbench::plan {
ClusterSpec cluster_spec(const std::string& name) {
  if (name == "dgx-a100") {
    // NVLink3: 300 GB/s per direction per GPU, ~230 GB/s all-reduce busbw in nccl-tests (the
    // A100 table in shared/data reaches 232); 8x HDR InfiniBand: 25 GB/s per GPU.
    return {"dgx-a100", 8, {2.5, 230.0}, {6.0, 23.0},
            "ASSUMED from spec sheets: NVLink3 230 GB/s busbw, 2.5 us/step; 8x HDR 23 GB/s per "
            "GPU, 6 us/step"};
  }
  if (name == "dgx-h100") {
    // NVLink4: 450 GB/s per direction per GPU, ~360 GB/s ring busbw; 8x NDR: 50 GB/s per GPU.
    return {"dgx-h100", 8, {2.5, 360.0}, {6.0, 45.0},
            "ASSUMED from spec sheets: NVLink4 360 GB/s busbw, 2.5 us/step; 8x NDR 45 GB/s per "
            "GPU, 6 us/step"};
  }
  throw ConfigError(fmt::format("--cluster: unknown cluster '{}' (dgx-a100, dgx-h100, or give "
                                "--profile)", name));
}

ClusterSpec cluster_for(const GpuSpec& gpu) {
  return cluster_spec(gpu.generation == "ampere" ? "dgx-a100" : "dgx-h100");
}

}  // namespace meshbench::plan
