#include <cuda_bf16.h>

#include <stdexcept>

#include "bench/backends/nccl/device_kernels.hpp"

namespace meshbench {
namespace {

constexpr int kThreads = 256;

unsigned int blocks_for(std::size_t count) {
  // Grid-stride loops: enough blocks to fill any GPU, never more than the work needs.
  const std::size_t wanted = (count + kThreads - 1) / kThreads;
  return static_cast<unsigned int>(wanted < 4096 ? (wanted == 0 ? 1 : wanted) : 4096);
}

__device__ double read_element(const void* buffer, Datatype dtype, std::size_t i) {
  switch (dtype) {
    case Datatype::kFloat32: return static_cast<const float*>(buffer)[i];
    case Datatype::kBfloat16: return __bfloat162float(static_cast<const __nv_bfloat16*>(buffer)[i]);
    case Datatype::kFloat64: return static_cast<const double*>(buffer)[i];
    case Datatype::kUint64:
      return static_cast<double>(static_cast<const unsigned long long*>(buffer)[i]);
  }
  return 0;
}

__device__ void write_element(void* buffer, Datatype dtype, std::size_t i, double value) {
  switch (dtype) {
    case Datatype::kFloat32: static_cast<float*>(buffer)[i] = static_cast<float>(value); return;
    case Datatype::kBfloat16:
      static_cast<__nv_bfloat16*>(buffer)[i] = __float2bfloat16_rn(static_cast<float>(value));
      return;
    case Datatype::kFloat64: static_cast<double*>(buffer)[i] = value; return;
    case Datatype::kUint64:
      static_cast<unsigned long long*>(buffer)[i] = static_cast<unsigned long long>(value);
      return;
  }
}

__global__ void fill_values_kernel(void* buffer, Datatype dtype, std::size_t count,
                                   std::uint64_t seed, int rank, int magnitude) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < count;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    write_element(buffer, dtype, i,
                  static_cast<double>(verification_value(seed, rank, i, magnitude)));
  }
}

__global__ void fill_nan_kernel(void* buffer, Datatype dtype, std::size_t count) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < count;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    write_element(buffer, dtype, i, __longlong_as_double(0x7ff8000000000000ll));
  }
}

__global__ void count_wrong_kernel(const void* buffer, Datatype dtype, std::size_t count,
                                   ExpectedForm form, unsigned long long* wrong) {
  unsigned long long mine = 0;
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < count;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    // NaN compares unequal to everything, so unwritten elements count as wrong.
    if (!(read_element(buffer, dtype, i) == static_cast<double>(expected_value(form, i)))) ++mine;
  }
  if (mine > 0) atomicAdd(wrong, mine);
}

__global__ void fill_fp8_kernel(unsigned char* buffer, std::size_t count, std::uint64_t seed) {
  for (std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x; i < count;
       i += static_cast<std::size_t>(gridDim.x) * blockDim.x) {
    // e4m3: sign, 4 exponent bits, 3 mantissa bits. Exponent <= 7 (bias 7) keeps |x| <= 1.875
    // and never forms the NaN pattern (exponent 15, mantissa 7).
    const std::uint64_t h = splitmix64(seed ^ i);
    buffer[i] = static_cast<unsigned char>((h & 0x80) | (h >> 8) % 8 << 3 | (h >> 16) % 8);
  }
}

void check_launch(const char* kernel) {
  const cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess) {
    throw std::runtime_error(std::string(kernel) + " launch failed: " + cudaGetErrorString(err));
  }
}

}  // namespace

void launch_fill_values(void* buffer, Datatype dtype, std::size_t count, std::uint64_t seed,
                        int rank, int magnitude, cudaStream_t stream) {
  if (count == 0) return;
  fill_values_kernel<<<blocks_for(count), kThreads, 0, stream>>>(buffer, dtype, count, seed, rank,
                                                                 magnitude);
  check_launch("fill_values_kernel");
}

void launch_fill_nan(void* buffer, Datatype dtype, std::size_t count, cudaStream_t stream) {
  if (count == 0) return;
  fill_nan_kernel<<<blocks_for(count), kThreads, 0, stream>>>(buffer, dtype, count);
  check_launch("fill_nan_kernel");
}

void launch_fill_fp8(void* buffer, std::size_t count, std::uint64_t seed, cudaStream_t stream) {
  if (count == 0) return;
  fill_fp8_kernel<<<blocks_for(count), kThreads, 0, stream>>>(static_cast<unsigned char*>(buffer),
                                                              count, seed);
  check_launch("fill_fp8_kernel");
}

void launch_count_wrong(const void* buffer, Datatype dtype, std::size_t count,
                        const ExpectedForm& form, unsigned long long* wrong, cudaStream_t stream) {
  if (count == 0) return;
  count_wrong_kernel<<<blocks_for(count), kThreads, 0, stream>>>(buffer, dtype, count, form, wrong);
  check_launch("count_wrong_kernel");
}

}  // namespace meshbench
