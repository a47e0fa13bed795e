#include "fit/plan/hardware.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "patterns/model_config.hpp"

namespace meshbench::plan {
namespace {

// Matmul efficiency per generation: calibrated by `meshplan validate --calibrate` on the 17 public
// rows (8 A100 rows of Korthikanti et al. 2022 Table 5, 9 H100 rows of Megatron-Core); the
// value minimising the median |relative error| of the MFU estimate, rounded to 0.01.
constexpr double kAmpereEfficiency = 0.68;
constexpr double kHopperEfficiency = 0.65;

const std::vector<GpuSpec>& gpus() {
  static const std::vector<GpuSpec> all = {
      // NVIDIA data sheets: dense (no sparsity) tensor-core throughput.
      {"a100-40g", "ampere", 312.0, 0.0, 40, kAmpereEfficiency},
      {"a100-80g", "ampere", 312.0, 0.0, 80, kAmpereEfficiency},
      {"h100", "hopper", 989.4, 1978.9, 80, kHopperEfficiency},
      {"h200", "hopper", 989.4, 1978.9, 141, kHopperEfficiency},
      {"b200", "blackwell", 2250.0, 4500.0, 180, kHopperEfficiency},
  };
  return all;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

GpuSpec gpu_spec(const std::string& name) {
  const std::string n = lower(name);
  for (const GpuSpec& g : gpus()) {
    if (g.name == n) return g;
  }
  // Names as runs report them.
  if (n.find("a100") != std::string::npos) return gpu_spec(n.find("40") != std::string::npos ? "a100-40g" : "a100-80g");
  if (n.find("h100") != std::string::npos) return gpu_spec("h100");
  if (n.find("h200") != std::string::npos) return gpu_spec("h200");
  if (n.find("b200") != std::string::npos) return gpu_spec("b200");
  std::string known;
  for (const GpuSpec& g : gpus()) known += (known.empty() ? "" : ", ") + g.name;
  throw ConfigError(fmt::format("--gpu: unknown GPU '{}' (known: {})", name, known));
}

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
