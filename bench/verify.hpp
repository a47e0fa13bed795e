#pragma once
// Verification data. Every input element is a small integer derived from (seed, rank, index),
// so each rank can compute the exact expected output of any collective without extra traffic,
// and sums are exact in float32 and bf16 whatever order the backend adds them in.

#include <cstddef>
#include <cstdint>

#include "bench/datatype.hpp"
#include "bench/expected_values.hpp"

namespace meshbench {

/// Largest |value| used for `nranks` ranks in `dtype`, chosen so that every partial sum over
/// ranks is an integer the type holds exactly (bf16: |sum| <= 256; float32: <= 2^24).
/// At most 4. Throws std::invalid_argument when no magnitude >= 1 keeps sums exact
/// (bf16 beyond 256 ranks): verification cannot be exact there; run with -c 0.
int verification_magnitude(Datatype dtype, int nranks);

/// (verification_value and the expected value of every output element: bench/expected_values.hpp)

/// Writes verification_value(seed, rank, first_index + i, magnitude), i < count, into `buffer`
/// as `dtype` elements.
void fill_verification_data(void* buffer, Datatype dtype, std::size_t count, std::uint64_t seed,
                            int rank, int magnitude, std::uint64_t first_index = 0);

/// Fills `buffer` with NaN so that an element the collective failed to write never verifies.
void fill_unwritten(void* buffer, Datatype dtype, std::size_t count);

/// Number of elements i < count of `buffer` whose value differs from expected_value(form, i)
/// (exactly: expected values are exactly representable). NaN is always wrong. Work: count x
/// nranks hashes for a sum over ranks, count otherwise. Throws std::invalid_argument when
/// form.nranks < 1.
std::size_t count_wrong(const void* buffer, Datatype dtype, std::size_t count,
                        const ExpectedForm& form);

/// Adds 1 to element `index`: the test-only fault injection (--debug-corrupt-rank).
void corrupt_element(void* buffer, Datatype dtype, std::size_t index);

}  // namespace meshbench
