// probe_gpus and make_nccl_world (bench/gpu.hpp) in builds with the NCCL backend.

#include <fmt/format.h>

#include "bench/backends/nccl/cuda_error.hpp"
#include "bench/backends/nccl/nccl_communicator.hpp"
#include "bench/gpu.hpp"

namespace meshbench {

GpuProbe probe_gpus() {
  GpuProbe probe;
  probe.built_with_nccl = true;
  int version = 0;
  if (cudaRuntimeGetVersion(&version) == cudaSuccess) {
    probe.cuda_runtime_version = fmt::format("{}.{}", version / 1000, version % 1000 / 10);
  }
  if (cudaDriverGetVersion(&version) == cudaSuccess && version > 0) {
    probe.cuda_driver_version = fmt::format("{}.{}", version / 1000, version % 1000 / 10);
  }
  if (ncclGetVersion(&version) == ncclSuccess) {
    // NCCL_VERSION(X,Y,Z) = X*10000 + Y*100 + Z since 2.9.
    probe.nccl_version = fmt::format("{}.{}.{}", version / 10000, version / 100 % 100, version % 100);
  }
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    // Without a driver (no libcuda): cudaErrorInsufficientDriver or cudaErrorNoDevice.
    probe.error = fmt::format("cudaGetDeviceCount: {} ({})", cudaGetErrorString(err),
                              cudaGetErrorName(err));
    cudaGetLastError();  // clear the sticky-free error so later probes start clean
    return probe;
  }
  if (count == 0) {
    probe.error = "cudaGetDeviceCount: 0 CUDA devices visible";
    return probe;
  }
  probe.device_count = count;
  for (int d = 0; d < count; ++d) {
    cudaDeviceProp prop{};
    MESHBENCH_CUDA_CHECK(cudaGetDeviceProperties(&prop, d));
    char bus[32] = {};
    cudaDeviceGetPCIBusId(bus, sizeof bus, d);
    probe.devices.push_back({prop.name, prop.major * 10 + prop.minor,
                             static_cast<double>(prop.totalGlobalMem) / (1ull << 30),
                             prop.multiProcessorCount, bus});
  }
  return probe;
}

std::unique_ptr<Communicator> make_nccl_world(Communicator& mpi_world, int device,
                                              double timeout_s) {
  MESHBENCH_CUDA_CHECK(cudaSetDevice(device));

  // The unique id travels over MPI as 16 eight-byte words (NCCL_UNIQUE_ID_BYTES = 128).
  static_assert(sizeof(ncclUniqueId) % 8 == 0);
  ncclUniqueId id{};
  if (mpi_world.rank() == 0) {
    const ncclResult_t r = ncclGetUniqueId(&id);
    if (r != ncclSuccess) throw_nccl_error(r, "ncclGetUniqueId", __FILE__, __LINE__);
  }
  mpi_world.broadcast(&id, sizeof id / 8, Datatype::kUint64, 0);

  ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
  config.blocking = 0;  // calls return ncclInProgress; errors are polled, never a hang
  ncclComm_t comm = nullptr;
  const ncclResult_t r =
      ncclCommInitRankConfig(&comm, mpi_world.size(), id, mpi_world.rank(), &config);
  if (r != ncclSuccess && r != ncclInProgress) {
    throw_nccl_error(r, "ncclCommInitRankConfig", __FILE__, __LINE__);
  }
  return std::make_unique<NcclCommunicator>(comm, device, timeout_s);
}

}  // namespace meshbench
