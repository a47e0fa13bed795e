#pragma once

#include <memory>

#include "bench/executor.hpp"

namespace meshbench {

class NcclCommunicator;

/// The executor of the NCCL backend: cudaMalloc'd buffers on the communicator's device, data
/// filled and checked by kernels on its stream, each sample timed by CUDA events recorded on
/// that stream around the calls (eager) or around one CUDA-graph launch (-G), waited for with
/// the communicator's synchronize (async-error polling and timeout).
std::unique_ptr<Executor> make_cuda_executor(NcclCommunicator& comm);

}  // namespace meshbench
