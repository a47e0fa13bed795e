#include "bench/backends/nccl/cuda_error.hpp"

#include <fmt/format.h>

namespace meshbench {

void throw_cuda_error(cudaError_t err, const char* call, const char* file, int line) {
  throw NcclError(fmt::format("{} failed at {}:{}: {} ({})", call, file, line,
                              cudaGetErrorString(err), cudaGetErrorName(err)));
}

void throw_nccl_error(ncclResult_t err, const char* call, const char* file, int line,
                      const std::string& detail) {
  throw NcclError(fmt::format("{} failed at {}:{}: {}{}", call, file, line,
                              ncclGetErrorString(err), detail.empty() ? "" : " (" + detail + ")"));
}

}  // namespace meshbench
