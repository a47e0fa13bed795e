#include "bench/gpu.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "bench/sweep_config.hpp"

namespace meshbench {

int select_device(int local_rank, int ranks_on_node, int device_count) {
  if (device_count <= 0) throw NoGpuError("no CUDA device is visible to this rank");
  if (local_rank < 0 || local_rank >= ranks_on_node) {
    throw std::invalid_argument(
        fmt::format("local rank {} is not in [0, {})", local_rank, ranks_on_node));
  }
  if (ranks_on_node > device_count) {
    throw std::invalid_argument(fmt::format(
        "{} ranks on this node but {} visible GPU(s): run one rank per GPU (NCCL refuses two "
        "ranks on one device)",
        ranks_on_node, device_count));
  }
  return local_rank;
}

nlohmann::json gpu_probe_json(const GpuProbe& probe) {
  nlohmann::json devices = nlohmann::json::array();
  for (const GpuDevice& d : probe.devices) {
    devices.push_back({{"name", d.name},
                       {"compute_capability", d.compute_capability},
                       {"memory_gib", d.memory_gib},
                       {"sm_count", d.sm_count},
                       {"pci_bus_id", d.pci_bus_id}});
  }
  return {{"built_with_nccl", probe.built_with_nccl},
          {"nccl_version", probe.nccl_version},
          {"cuda_runtime_version", probe.cuda_runtime_version},
          {"cuda_driver_version", probe.cuda_driver_version},
          {"device_count", probe.device_count},
          {"devices", devices},
          {"error", probe.error}};
}

int ranks_on_my_node(const Topology& topo) {
  return static_cast<int>(
      std::count(topo.node_of_rank.begin(), topo.node_of_rank.end(), topo.node_index));
}

int my_device(const Topology& topo, const GpuProbe& probe) {
  try {
    return select_device(topo.local_rank, ranks_on_my_node(topo), probe.device_count);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(fmt::format(
        "rank {} on {}: {}", topo.rank,
        topo.node_hosts[static_cast<std::size_t>(topo.node_index)], e.what()));
  }
}

std::string choose_backend(const std::string& flag, const GpuProbe& probe, const Topology& topo,
                           Communicator& mpi_world) {
  if (flag == "mpi" || flag == "nccl") return flag;
  if (flag != "auto") {
    throw UsageError(fmt::format("--backend: unknown backend '{}' (mpi, nccl or auto)", flag));
  }
  const std::uint64_t mine =
      probe.device_count > 0 && probe.device_count >= ranks_on_my_node(topo) ? 1 : 0;
  std::uint64_t all = 0;
  mpi_world.all_reduce(&mine, &all, 1, Datatype::kUint64, ReduceOp::kSum);
  return all == static_cast<std::uint64_t>(mpi_world.size()) ? "nccl" : "mpi";
}

void require_gpu_on_every_rank(Communicator& mpi_world, const GpuProbe& probe) {
  // The lowest failing rank's reason travels to everyone: who fails (all_gather), then a
  // fixed-size message from the first of them (broadcast).
  constexpr std::uint64_t kHasGpu = UINT64_MAX;
  const std::uint64_t mine =
      probe.device_count > 0 ? kHasGpu : static_cast<std::uint64_t>(mpi_world.rank());
  std::vector<std::uint64_t> failing(static_cast<std::size_t>(mpi_world.size()));
  mpi_world.all_gather(&mine, failing.data(), 1, Datatype::kUint64);
  const std::uint64_t lowest = *std::min_element(failing.begin(), failing.end());
  if (lowest == kHasGpu) return;
  const int root = static_cast<int>(lowest);
  std::vector<char> reason(512, '\0');
  if (mpi_world.rank() == root) {
    const std::string text = probe.error.empty() ? "no CUDA device" : probe.error;
    std::memcpy(reason.data(), text.data(), std::min(text.size(), reason.size() - 1));
  }
  mpi_world.broadcast(reason.data(), reason.size() / 8, Datatype::kUint64, root);
  throw NoGpuError(fmt::format("rank {}: {}", root, reason.data()));
}

#ifndef MESHBENCH_WITH_NCCL
// A build without the NCCL backend (MESHBENCH_WITH_NCCL=OFF, or CUDA/NCCL not found by CMake).
GpuProbe probe_gpus() {
  GpuProbe probe;
  probe.error = kNotBuiltWithNccl;
  return probe;
}

std::unique_ptr<Communicator> make_nccl_world(Communicator&, int, double) {
  throw NoGpuError(kNotBuiltWithNccl);
}
#endif

}  // namespace meshbench
