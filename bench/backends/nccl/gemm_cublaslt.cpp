// The cuBLASLt GEMM runner, built as a plugin (libmeshbench_cublaslt.so) that make_gemm_runner
// (bench/gemm.cpp) loads on first use: cuBLASLt is a 540 MB library whose relocations cost
// 0.1 s at every start of a binary linked against it, which every other command would pay.

#include <fmt/format.h>

#include "bench/backends/nccl/cuda_error.hpp"
#include "bench/backends/nccl/device_kernels.hpp"
#include "bench/gemm.hpp"

namespace meshbench {

// Here, not in cuda_error.cpp: only the plugin links cuBLASLt.
void throw_cublas_error(cublasStatus_t err, const char* call, const char* file, int line) {
  throw NcclError(fmt::format("{} failed at {}:{}: {} ({})", call, file, line,
                              cublasLtGetStatusString(err), cublasLtGetStatusName(err)));
}

namespace {

constexpr std::size_t kWorkspaceBytes = 32u << 20;  // what Transformer Engine gives cuBLASLt

/// Device memory freed on scope exit.
struct DeviceBuffer {
  void* ptr = nullptr;
  explicit DeviceBuffer(std::size_t bytes) { MESHBENCH_CUDA_CHECK(cudaMalloc(&ptr, bytes)); }
  ~DeviceBuffer() { cudaFree(ptr); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
};

/// cuBLASLt descriptors of one matmul, destroyed on scope exit.
struct MatmulDescriptors {
  cublasLtMatmulDesc_t op = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, d = nullptr;
  cublasLtMatmulPreference_t preference = nullptr;
  ~MatmulDescriptors() {
    if (preference) cublasLtMatmulPreferenceDestroy(preference);
    if (d) cublasLtMatrixLayoutDestroy(d);
    if (b) cublasLtMatrixLayoutDestroy(b);
    if (a) cublasLtMatrixLayoutDestroy(a);
    if (op) cublasLtMatmulDescDestroy(op);
  }
};

class CublasLtGemmRunner final : public GemmRunner {
 public:
  explicit CublasLtGemmRunner(int device) {
    MESHBENCH_CUDA_CHECK(cudaSetDevice(device));
    MESHBENCH_CUBLAS_CHECK(cublasLtCreate(&handle_));
    MESHBENCH_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    MESHBENCH_CUDA_CHECK(cudaEventCreate(&start_));
    MESHBENCH_CUDA_CHECK(cudaEventCreate(&stop_));
    MESHBENCH_CUDA_CHECK(cudaMalloc(&workspace_, kWorkspaceBytes));
  }
  ~CublasLtGemmRunner() override {
    cudaFree(workspace_);
    cudaEventDestroy(stop_);
    cudaEventDestroy(start_);
    cudaStreamDestroy(stream_);
    cublasLtDestroy(handle_);
  }
  CublasLtGemmRunner(const CublasLtGemmRunner&) = delete;
  CublasLtGemmRunner& operator=(const CublasLtGemmRunner&) = delete;

  GemmTiming time(const GemmShape& shape, GemmPrecision precision, int warmup,
                  int iters) override {
    // Row-major C[m x n] = A[m x k] B[k x n] is column-major C^T[n x m] = B^T A^T. In cuBLAS's
    // column-major terms: D (M x N) = op(W) (M x K) X (K x N) with M = n, N = m, K = k, and
    // op(W) = W^T stored K x M ("TN", the layout fp8 requires).
    const auto M = static_cast<std::uint64_t>(shape.n);
    const auto N = static_cast<std::uint64_t>(shape.m);
    const auto K = static_cast<std::uint64_t>(shape.k);
    const bool fp8 = precision == GemmPrecision::kFp8;
    const cudaDataType_t in_type = fp8 ? CUDA_R_8F_E4M3 : CUDA_R_16BF;
    const std::size_t in_bytes = fp8 ? 1 : 2;
    DeviceBuffer w(K * M * in_bytes), x(K * N * in_bytes), d(M * N * 2);
    // Non-zero inputs: tensor cores draw (and clock) differently on zeros.
    if (fp8) {
      launch_fill_fp8(w.ptr, K * M, 1, stream_);
      launch_fill_fp8(x.ptr, K * N, 2, stream_);
    } else {
      launch_fill_values(w.ptr, Datatype::kBfloat16, K * M, 1, 0, 4, stream_);
      launch_fill_values(x.ptr, Datatype::kBfloat16, K * N, 2, 0, 4, stream_);
    }

    MatmulDescriptors desc;
    MESHBENCH_CUBLAS_CHECK(cublasLtMatmulDescCreate(&desc.op, CUBLAS_COMPUTE_32F, CUDA_R_32F));
    const cublasOperation_t transa = CUBLAS_OP_T, transb = CUBLAS_OP_N;
    MESHBENCH_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(desc.op, CUBLASLT_MATMUL_DESC_TRANSA,
                                                          &transa, sizeof transa));
    MESHBENCH_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(desc.op, CUBLASLT_MATMUL_DESC_TRANSB,
                                                          &transb, sizeof transb));
    MESHBENCH_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&desc.a, in_type, K, M, K));
    MESHBENCH_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&desc.b, in_type, K, N, K));
    MESHBENCH_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&desc.d, CUDA_R_16BF, M, N, M));
    MESHBENCH_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&desc.preference));
    const std::size_t workspace = kWorkspaceBytes;
    MESHBENCH_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(
        desc.preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace, sizeof workspace));
    cublasLtMatmulHeuristicResult_t heuristic{};
    int found = 0;
    MESHBENCH_CUBLAS_CHECK(cublasLtMatmulAlgoGetHeuristic(handle_, desc.op, desc.a, desc.b,
                                                          desc.d, desc.d, desc.preference, 1,
                                                          &heuristic, &found));
    if (found == 0) {
      throw NcclError(fmt::format("cuBLASLt has no {} algorithm for {}",
                                  gemm_precision_name(precision), shape.label()));
    }

    const float alpha = 1.0f, beta = 0.0f;
    auto call = [&] {
      MESHBENCH_CUBLAS_CHECK(cublasLtMatmul(handle_, desc.op, &alpha, w.ptr, desc.a, x.ptr,
                                            desc.b, &beta, d.ptr, desc.d, d.ptr, desc.d,
                                            &heuristic.algo, workspace_, kWorkspaceBytes,
                                            stream_));
    };
    for (int i = 0; i < warmup; ++i) call();
    GemmTiming timing;
    timing.algorithm = fmt::format("cublasLt heuristic #0, workspace {} B, waves {:.2f}",
                                   heuristic.workspaceSize, heuristic.wavesCount);
    for (int i = 0; i < iters; ++i) {
      MESHBENCH_CUDA_CHECK(cudaEventRecord(start_, stream_));
      call();
      MESHBENCH_CUDA_CHECK(cudaEventRecord(stop_, stream_));
      MESHBENCH_CUDA_CHECK(cudaEventSynchronize(stop_));
      float ms = 0;
      MESHBENCH_CUDA_CHECK(cudaEventElapsedTime(&ms, start_, stop_));
      timing.samples_us.push_back(ms * 1e3);
    }
    return timing;
  }

 private:
  cublasLtHandle_t handle_ = nullptr;
  cudaStream_t stream_ = nullptr;
  cudaEvent_t start_ = nullptr, stop_ = nullptr;
  void* workspace_ = nullptr;
};

}  // namespace

}  // namespace meshbench

/// The plugin's entry point (bench/gemm.cpp, kGemmPluginEntry): a new runner on `device`,
/// owned by the caller. Throws what the runner's constructor throws (NcclError).
extern "C" meshbench::GemmRunner* meshbench_cublaslt_runner(int device) {
  return new meshbench::CublasLtGemmRunner(device);
}
