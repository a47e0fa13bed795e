#pragma once
// Matmul timing on this rank's GPU, behind an interface without CUDA headers. The cuBLASLt
// implementation is in bench/backends/nccl/gemm_cublaslt.cpp (builds with MESHBENCH_WITH_NCCL).

#include <memory>
#include <string>
#include <vector>

#include "patterns/gemm_shapes.hpp"

namespace meshbench {

enum class GemmPrecision {
  kBf16,  ///< bf16 inputs and output, fp32 accumulation
  kFp8,   ///< fp8 e4m3 inputs, bf16 output, fp32 accumulation (compute capability >= 8.9)
};

/// "bf16", "fp8".
std::string gemm_precision_name(GemmPrecision precision);

/// Whether a GPU of compute capability `cc` (major * 10 + minor) has fp8 tensor cores
/// (Ada 8.9, Hopper 9.0 and later).
bool gpu_has_fp8(int compute_capability);

/// Per-call times of one shape, microseconds, one per timed iteration.
struct GemmTiming {
  std::vector<double> samples_us;
  std::string algorithm;  ///< what the library chose, for the record
};

class GemmRunner {
 public:
  virtual ~GemmRunner() = default;
  /// Times C[m x n] = A[m x k] B[k x n] (shape.m, n, k) `iters` times after `warmup` untimed
  /// calls; each call is timed alone by CUDA events. Throws NcclError when the library has no
  /// algorithm for the shape and precision, or a CUDA call fails.
  virtual GemmTiming time(const GemmShape& shape, GemmPrecision precision, int warmup,
                          int iters) = 0;
};

/// A cuBLASLt runner on CUDA device `device`: operands in TN layout (what Megatron and
/// Transformer Engine use, and what fp8 requires), the library's first heuristic choice with a
/// 32 MiB workspace. It lives in a plugin next to the executable (kGemmPluginFile), loaded on
/// first use. Throws NoGpuError in a build without the NCCL backend or when the plugin cannot
/// be loaded (naming its path and dlerror), NcclError when the runner cannot start.
std::unique_ptr<GemmRunner> make_gemm_runner(int device);

inline constexpr const char* kGemmPluginFile = "libmeshbench_cublaslt.so";
inline constexpr const char* kGemmPluginEntry = "meshbench_cublaslt_runner";

}  // namespace meshbench
