#pragma once
// Errors of the CUDA runtime, cuBLAS and NCCL as exceptions naming the call and where it was
// made, like MESHBENCH_MPI_CHECK (bench/backends/mpi/mpi_error.hpp).

#include <cublasLt.h>
#include <cuda_runtime.h>
#include <nccl.h>

#include <stdexcept>
#include <string>

namespace meshbench {

/// A failed CUDA, cuBLAS or NCCL call: what() holds the call, file:line and the library's own
/// message.
class NcclError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[noreturn]] void throw_cuda_error(cudaError_t err, const char* call, const char* file, int line);
[[noreturn]] void throw_nccl_error(ncclResult_t err, const char* call, const char* file, int line,
                                   const std::string& detail = "");
[[noreturn]] void throw_cublas_error(cublasStatus_t err, const char* call, const char* file,
                                     int line);

}  // namespace meshbench

#define MESHBENCH_CUDA_CHECK(call)                                                         \
  do {                                                                                     \
    const cudaError_t meshbench_err_ = (call);                                             \
    if (meshbench_err_ != cudaSuccess) {                                                   \
      ::meshbench::throw_cuda_error(meshbench_err_, #call, __FILE__, __LINE__);            \
    }                                                                                      \
  } while (0)

#define MESHBENCH_CUBLAS_CHECK(call)                                                       \
  do {                                                                                     \
    const cublasStatus_t meshbench_err_ = (call);                                          \
    if (meshbench_err_ != CUBLAS_STATUS_SUCCESS) {                                         \
      ::meshbench::throw_cublas_error(meshbench_err_, #call, __FILE__, __LINE__);          \
    }                                                                                      \
  } while (0)
