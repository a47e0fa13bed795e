#include "patterns/gpu_spec.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "patterns/model_config.hpp"

namespace meshbench {
namespace {

// Matmul efficiency per generation, calibrated by `meshplan validate --calibrate` on the 17
// public rows (8 A100 rows of Korthikanti et al. 2022 Table 5, 9 H100 rows of Megatron-Core)
// with the step model of fit/plan/estimate (slowest stage's pace, each framework's overlap,
// prefetched ZeRO-3): the value minimising the median |relative error|, rounded to 0.01. Its
// honest error is the leave-one-out one `--calibrate` prints (ampere 14.2%, hopper 7.2%).
constexpr double kAmpereEfficiency = 0.65;
constexpr double kHopperEfficiency = 0.65;

const std::vector<GpuSpec>& gpus() {
  static const std::vector<GpuSpec> all = {
      // NVIDIA data sheets: dense (no sparsity) tensor-core throughput.
      {"a100-40g", "ampere", 312.0, 0.0, 40, kAmpereEfficiency},
      {"a100-80g", "ampere", 312.0, 0.0, 80, kAmpereEfficiency},
      {"h100", "hopper", 989.4, 1978.9, 80, kHopperEfficiency},
      // H100 PCIe: lower clocks and power, 756 dense bf16 TFLOP/s.
      {"h100-pcie", "hopper", 756.0, 1513.0, 80, kHopperEfficiency},
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
  if (n.find("h100") != std::string::npos) {
    return gpu_spec(n.find("pcie") != std::string::npos ? "h100-pcie" : "h100");
  }
  if (n.find("h200") != std::string::npos) return gpu_spec("h200");
  if (n.find("b200") != std::string::npos) return gpu_spec("b200");
  std::string known;
  for (const std::string& g : gpu_spec_names()) known += (known.empty() ? "" : ", ") + g;
  throw ConfigError(fmt::format("--gpu: unknown GPU '{}' (known: {})", name, known));
}

double fp8_matmul_efficiency(const GpuSpec& gpu, double bf16_efficiency) {
  if (gpu.peak_fp8_tflops <= 0) return 0;
  return bf16_efficiency * kFp8LinearGemmSpeedup * gpu.peak_bf16_tflops / gpu.peak_fp8_tflops;
}

std::vector<std::string> gpu_spec_names() {
  std::vector<std::string> names;
  for (const GpuSpec& g : gpus()) names.push_back(g.name);
  return names;
}

}  // namespace meshbench
