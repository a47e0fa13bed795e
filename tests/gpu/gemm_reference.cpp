// GPU test: meshbench's cuBLASLt GEMM timing against a cuBLAS reference (cublasGemmEx, default
// algorithm) on the same shapes, timed the same way. A runner much slower than the reference
// would under-report efficiency; one much faster would mean it times less than the matmul.
// Exit 0 pass, 1 fail, 77 no GPU (CTest: skipped).

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "bench/gemm.hpp"
#include "patterns/gemm_shapes.hpp"
#include "patterns/model_config.hpp"

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

/// cublasGemmEx bf16 TN with fp32 accumulation: the same operation as the runner's.
double reference_us(cublasHandle_t handle, const meshbench::GemmShape& s, int iters) {
  const int M = static_cast<int>(s.n), N = static_cast<int>(s.m), K = static_cast<int>(s.k);
  void *w = nullptr, *x = nullptr, *d = nullptr;
  cudaMalloc(&w, static_cast<std::size_t>(K) * M * 2);
  cudaMalloc(&x, static_cast<std::size_t>(K) * N * 2);
  cudaMalloc(&d, static_cast<std::size_t>(M) * N * 2);
  cudaMemset(w, 0x3c, static_cast<std::size_t>(K) * M * 2);  // bf16 ~0.0115: non-zero operands
  cudaMemset(x, 0x3c, static_cast<std::size_t>(K) * N * 2);
  const float alpha = 1, beta = 0;
  cudaEvent_t start, stop;
  cudaEventCreate(&start);
  cudaEventCreate(&stop);
  std::vector<double> samples;
  for (int i = 0; i < iters + 5; ++i) {
    cudaEventRecord(start);
    cublasGemmEx(handle, CUBLAS_OP_T, CUBLAS_OP_N, M, N, K, &alpha, w, CUDA_R_16BF, K, x,
                 CUDA_R_16BF, K, &beta, d, CUDA_R_16BF, M, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
    cudaEventRecord(stop);
    cudaEventSynchronize(stop);
    float ms = 0;
    cudaEventElapsedTime(&ms, start, stop);
    if (i >= 5) samples.push_back(ms * 1e3);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  cudaFree(w);
  cudaFree(x);
  cudaFree(d);
  return median(samples);
}

}  // namespace

int main() {
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
    fmt::print("SKIPPED: no GPU here ({})\n", cudaGetErrorString(cudaGetLastError()));
    return 77;
  }
  cudaSetDevice(0);
  cublasHandle_t handle = nullptr;
  if (cublasCreate(&handle) != CUBLAS_STATUS_SUCCESS) {
    fmt::print("FAILED: cublasCreate\n");
    return 1;
  }
  const auto runner = meshbench::make_gemm_runner(0);
  const auto shapes =
      meshbench::layer_gemm_shapes(meshbench::model_preset("llama3-8b"), 8, 1, 4096);
  int failures = 0;
  for (const auto& s : shapes) {
    const double ref = reference_us(handle, s, 20);
    const double ours = median(runner->time(s, meshbench::GemmPrecision::kBf16, 5, 20).samples_us);
    const double ratio = ref / ours;  // > 1: meshbench's runner is faster
    const bool ok = ratio > 0.75 && ratio < 1.5;
    failures += ok ? 0 : 1;
    fmt::print("{} {:<34} cublasGemmEx {:9.2f} us ({:6.1f} TFLOP/s)  cublasLt {:9.2f} us "
               "({:6.1f} TFLOP/s)  ratio {:.3f}\n",
               ok ? "ok    " : "FAILED", s.label(), ref, s.flops() / ref * 1e-6, ours,
               s.flops() / ours * 1e-6, ratio);
  }
  cublasDestroy(handle);
  fmt::print("{} failed\n", failures);
  return failures == 0 ? 0 : 1;
}
