#include "bench/gemm.hpp"

#include "bench/gpu.hpp"

namespace meshbench {

std::string gemm_precision_name(GemmPrecision precision) {
  return precision == GemmPrecision::kBf16 ? "bf16" : "fp8";
}

bool gpu_has_fp8(int compute_capability) { return compute_capability >= 89; }

#ifndef MESHBENCH_WITH_NCCL
// The cuBLASLt runner is in bench/backends/nccl/gemm_cublaslt.cpp.
std::unique_ptr<GemmRunner> make_gemm_runner(int) { throw NoGpuError(kNotBuiltWithNccl); }
#endif

}  // namespace meshbench
