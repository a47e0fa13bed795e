#pragma once
// What the rest of meshbench knows about GPUs, without CUDA headers: the "no GPU" outcome,
// which device a rank uses, and the facade of the NCCL/CUDA backend (bench/backends/nccl/),
// which exists only in builds with MESHBENCH_WITH_NCCL.

#include <nlohmann/json.hpp>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/communicator.hpp"
#include "bench/topology.hpp"

namespace meshbench {

/// Exit code of a run that needs a GPU and has none (or a build without the NCCL backend).
/// Distinct from 1 (runtime failure) and 2 (bad input) so that scripts and CTest can skip.
inline constexpr int kNoGpuExitCode = 4;

/// What the GPU paths of a build without the NCCL backend say (NoGpuError).
inline constexpr const char* kNotBuiltWithNccl =
    "this meshbench was built without the NCCL backend (configured with MESHBENCH_WITH_NCCL=OFF, "
    "or CMake found no nvcc, CUDA Toolkit or NCCL)";

/// The run needs a GPU and this rank (or build) has none. what() says why, in one line.
class NoGpuError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The CUDA device of a rank: its local rank, so the ranks of a node take devices 0..n-1 in
/// order (as nccl-tests and torchrun do; CUDA_VISIBLE_DEVICES narrows what is visible).
/// Throws NoGpuError when device_count is 0, and std::invalid_argument when the node runs more
/// ranks than it has visible devices (NCCL refuses two ranks on one GPU) or local_rank is not
/// in [0, ranks_on_node).
int select_device(int local_rank, int ranks_on_node, int device_count);

/// One visible CUDA device.
struct GpuDevice {
  std::string name;              ///< "NVIDIA H100 80GB HBM3"
  int compute_capability = 0;    ///< major * 10 + minor (90 for Hopper)
  double memory_gib = 0;
  int sm_count = 0;
  std::string pci_bus_id;
};

/// What this process sees: device_count 0 and `error` set when there is no usable GPU.
struct GpuProbe {
  bool built_with_nccl = false;  ///< MESHBENCH_WITH_NCCL
  int device_count = 0;
  std::string error;             ///< why there is no GPU ("" when device_count > 0)
  std::vector<GpuDevice> devices;
  std::string cuda_runtime_version;  ///< "13.0"
  std::string cuda_driver_version;   ///< "" without a driver
  std::string nccl_version;          ///< "2.28.9"
};

/// The probe as run.json's "gpu" object: versions and devices.
nlohmann::json gpu_probe_json(const GpuProbe& probe);

/// The backend a --backend flag names: "mpi", "nccl", or "auto" = nccl when this build has it
/// and every node has a GPU for each of its ranks (select_device would succeed), else mpi.
/// Collective over `mpi_world` for auto (all ranks must agree). Throws UsageError naming
/// --backend for any other value.
std::string choose_backend(const std::string& flag, const GpuProbe& probe, const Topology& topo,
                           Communicator& mpi_world);

/// Ranks of the job on this rank's node.
int ranks_on_my_node(const Topology& topo);

/// This rank's device: select_device with its local rank, its node's rank count and the
/// probe's device count. Throws NoGpuError without devices and std::runtime_error naming the
/// rank and host when the node has more ranks than GPUs.
int my_device(const Topology& topo, const GpuProbe& probe);

/// Probes the CUDA runtime (cheap; no context is created when there is no device). In a build
/// without NCCL returns built_with_nccl = false and an error saying so.
GpuProbe probe_gpus();

/// A communicator over all ranks of `mpi_world` on NCCL, on CUDA device `device` (my_device):
/// one stream, the unique id broadcast over `mpi_world`, a nonblocking NCCL communicator whose
/// calls time out after `timeout_s` (0: never). Collective over `mpi_world`. Throws NoGpuError
/// in a build without NCCL and NcclError (a std::runtime_error) when CUDA or NCCL fails.
std::unique_ptr<Communicator> make_nccl_world(Communicator& mpi_world, int device,
                                              double timeout_s);

/// The communicator a command's benchmarks run on: the MPI world itself, or an NCCL
/// communicator over the same ranks (the MPI world then keeps the harness's own traffic).
struct BenchWorld {
  std::string backend = "mpi";          ///< "mpi" or "nccl"
  GpuProbe gpu;                         ///< this rank's probe (not taken for --backend mpi)
  std::unique_ptr<Communicator> nccl;   ///< the NCCL world (backend nccl)
  Communicator* comm = nullptr;         ///< nccl.get(), or the MPI world
};

/// Opens the world --backend `flag` names (choose_backend), with `timeout_s` for NCCL calls.
/// Collective over `mpi_world`. Throws UsageError (unknown flag), NoGpuError (nccl where a rank
/// has no GPU, or a build without it) and NcclError.
BenchWorld open_bench_world(const std::string& flag, const Topology& topo,
                            Communicator& mpi_world, double timeout_s);

/// Makes every rank agree: throws NoGpuError on all ranks (with the first failing rank's reason)
/// when any rank's probe has no device. Collective over `mpi_world`.
void require_gpu_on_every_rank(Communicator& mpi_world, const GpuProbe& probe);

}  // namespace meshbench
