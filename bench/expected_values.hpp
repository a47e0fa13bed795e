#pragma once
// Verification values in closed form, shared by the host checker (bench/verify.cpp) and the
// CUDA checker (bench/backends/nccl/device_kernels.cu): one definition of what every output
// element must be, compiled for both sides.

#include <cstdint>

#if defined(__CUDACC__)
#define MESHBENCH_HD __host__ __device__
#else
#define MESHBENCH_HD
#endif

namespace meshbench {

/// splitmix64 (Steele, Lea, Flood 2014): a fast, well-mixed 64-bit hash.
MESHBENCH_HD inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/// The per-rank half of verification_value's hash: computed once per rank by a checker that
/// visits many elements, instead of once per element.
MESHBENCH_HD inline std::uint64_t verification_key(std::uint64_t seed, int rank) {
  return splitmix64(seed ^ (static_cast<std::uint64_t>(rank) << 40));
}

/// verification_value from its rank's key: an integer in [-magnitude, magnitude]. The hash's
/// high 32 bits are mapped onto the 2 magnitude + 1 values by a multiply and a shift (Lemire
/// 2019, "Fast random integer generation in an interval"), not a division: a checker visits
/// every element of every point, and a 64-bit division cost more than the hash.
MESHBENCH_HD inline std::int64_t verification_value_of_key(std::uint64_t key, std::uint64_t index,
                                                           int magnitude) {
  const std::uint64_t span = 2 * static_cast<std::uint64_t>(magnitude) + 1;
  return static_cast<std::int64_t>(((splitmix64(key ^ index) >> 32) * span) >> 32) - magnitude;
}

/// Input element `index` of `rank`: an integer in [-magnitude, magnitude] from a splitmix64 hash
/// of (seed, rank, index).
MESHBENCH_HD inline std::int64_t verification_value(std::uint64_t seed, int rank,
                                                    std::uint64_t index, int magnitude) {
  return verification_value_of_key(verification_key(seed, rank), index, magnitude);
}

/// What output element i of one rank must hold. Every measured op's output element is either
/// the sum over all ranks of one input index (all_reduce, reduce_scatter) or one rank's input
/// element (all_gather, all_to_all, broadcast, send_recv, ping_pong).
struct ExpectedForm {
  std::uint64_t seed = 0;
  int magnitude = 1;
  int nranks = 1;
  bool sum_over_ranks = false;  ///< expected = sum over r < nranks of value(r, offset + i)
  std::uint64_t block = 0;      ///< > 0: source rank i / block, input index offset + i % block
  int source_rank = 0;          ///< block == 0 and no sum: the one rank whose input arrives
  std::uint64_t offset = 0;     ///< input index of output element 0 (within a block)
};

/// Exact expected value of output element `i` under `form`.
MESHBENCH_HD inline std::int64_t expected_value(const ExpectedForm& form, std::uint64_t i) {
  if (form.sum_over_ranks) {
    std::int64_t sum = 0;
    for (int r = 0; r < form.nranks; ++r) {
      sum += verification_value(form.seed, r, form.offset + i, form.magnitude);
    }
    return sum;
  }
  if (form.block > 0) {
    return verification_value(form.seed, static_cast<int>(i / form.block),
                              form.offset + i % form.block, form.magnitude);
  }
  return verification_value(form.seed, form.source_rank, form.offset + i, form.magnitude);
}

}  // namespace meshbench
