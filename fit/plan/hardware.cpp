#include "fit/plan/hardware.hpp"

#include <fmt/format.h>

#include "patterns/model_config.hpp"

namespace meshbench::plan {

namespace {

// Achieved fractions of line rate and per-step latencies (ASSUMED; see hardware.hpp).
constexpr double kScaleUpFraction = 0.8, kScaleOutFraction = 0.9;
constexpr double kScaleUpAlphaUs = 2.5, kScaleOutAlphaUs = 6.0;
constexpr double kAssumedNicGBps = 50;  ///< 400 Gb/s, where the table has no NIC figure

}  // namespace

ClusterSpec cluster_for(const GpuSpec& gpu) {
  if (gpu.scaleup_gb_per_s <= 0) {
    throw ConfigError(fmt::format(
        "--gpu {}: patterns/data/accelerators.csv has no scale-up figure for its usual system; "
        "give --profile (measured links) or --cluster", gpu.name));
  }
  // Without a published NIC speed (MI300X, MI325X, H100 PCIe servers): one 400 Gb/s NIC per
  // GPU, as DGX H100 and AMD's reference nodes pair a ConnectX-7 with each GPU.
  const bool nic_assumed = gpu.scaleout_gb_per_s <= 0;
  const double nic_line_rate = nic_assumed ? kAssumedNicGBps : gpu.scaleout_gb_per_s;
  ClusterSpec c;
  c.name = gpu.name + "-system";
  c.intra = {kScaleUpAlphaUs, kScaleUpFraction * gpu.scaleup_gb_per_s};
  c.inter = {kScaleOutAlphaUs, kScaleOutFraction * nic_line_rate};
  c.note = fmt::format("ASSUMED from patterns/data/accelerators.csv ({}): scale-up {:.0f} GB/s "
                       "busbw, {} us/step; NIC {:.1f} GB/s per GPU{}, {} us/step",
                       gpu.label, c.intra.bw_GBps, kScaleUpAlphaUs, c.inter.bw_GBps,
                       nic_assumed ? " (no NIC figure in the table: 400 Gb/s per GPU)" : "",
                       kScaleOutAlphaUs);
  return c;
}

ClusterSpec cluster_spec(const std::string& name) {
  if (name == "dgx-a100" || name == "dgx-h100") {
    ClusterSpec c = cluster_for(gpu_spec(name == "dgx-a100" ? "a100-80g" : "h100"));
    c.name = name;
    return c;
  }
  const std::string suffix = "-system";
  if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
    try {
      return cluster_for(gpu_spec(name.substr(0, name.size() - suffix.size())));
    } catch (const ConfigError&) {
      // fall through to the list of names
    }
  }
  throw ConfigError(fmt::format("--cluster: unknown cluster '{}' (dgx-a100, dgx-h100, <gpu>-system "
                                "such as b200-system, or give --profile)", name));
}

}  // namespace meshbench::plan
