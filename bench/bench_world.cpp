// open_bench_world (bench/gpu.hpp). Not in bench_core: it calls into the NCCL backend, which
// links after bench_core.

#include "bench/gpu.hpp"

namespace meshbench {

BenchWorld open_bench_world(const std::string& flag, const Topology& topo,
                            Communicator& mpi_world, double timeout_s) {
  BenchWorld w;
  w.comm = &mpi_world;
  if (flag == "mpi") return w;  // no CUDA runtime start-up for MPI runs
  w.gpu = probe_gpus();
  w.backend = choose_backend(flag, w.gpu, topo, mpi_world);
  if (w.backend == "nccl") {
    require_gpu_on_every_rank(mpi_world, w.gpu);
    w.nccl = make_nccl_world(mpi_world, my_device(topo, w.gpu), timeout_s);
    w.comm = w.nccl.get();
  }
  return w;
}

}  // namespace meshbench
