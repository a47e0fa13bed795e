#pragma once
// Kernels of the CUDA executor: verification data in, wrong elements counted, on the device
// (nccl-tests checks on the device too, so checking a large buffer costs no host copy).

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

#include "bench/datatype.hpp"
#include "bench/expected_values.hpp"

namespace meshbench {

/// buffer[i] = verification_value(seed, rank, i, magnitude) as `dtype`, i < count.
void launch_fill_values(void* buffer, Datatype dtype, std::size_t count, std::uint64_t seed,
                        int rank, int magnitude, cudaStream_t stream);

/// buffer[i] = NaN, i < count: an element a collective fails to write never verifies.
void launch_fill_nan(void* buffer, Datatype dtype, std::size_t count, cudaStream_t stream);

/// *wrong += number of i < count with buffer[i] != expected_value(form, i) (NaN is wrong).
/// `wrong` is device memory.
void launch_count_wrong(const void* buffer, Datatype dtype, std::size_t count,
                        const ExpectedForm& form, unsigned long long* wrong, cudaStream_t stream);

/// buffer[i] = a finite fp8 e4m3 value of magnitude < 2 from a hash of (seed, i), i < count:
/// matmul operands that are not all zeros (fp8 has no exact-integer verification here).
void launch_fill_fp8(void* buffer, std::size_t count, std::uint64_t seed, cudaStream_t stream);

}  // namespace meshbench
