#include "bench/verify.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace meshbench {
namespace {

std::int64_t exact_integer_limit(Datatype dtype) {
  switch (dtype) {
    case Datatype::kFloat32: return 1ll << 24;
    case Datatype::kBfloat16: return 256;
    case Datatype::kFloat64: return 1ll << 53;
    case Datatype::kUint64: return std::numeric_limits<std::int64_t>::max();
  }
  throw std::logic_error("exact_integer_limit: unknown datatype");
}

/// The storage of one Datatype's element: `type`, and its conversions from and to double.
template <typename T>
struct ElementTag {
  using type = T;
};
struct Bf16Tag {
  using type = std::uint16_t;
};

float element_from(ElementTag<float>, double v) { return static_cast<float>(v); }
double element_from(ElementTag<double>, double v) { return v; }
std::uint16_t element_from(Bf16Tag, double v) { return float_to_bf16(static_cast<float>(v)); }
std::uint64_t element_from(ElementTag<std::uint64_t>, double v) {
  // An integer type has no NaN: the unwritten marker is the largest value, which no input holds.
  return std::isnan(v) ? std::numeric_limits<std::uint64_t>::max() : static_cast<std::uint64_t>(v);
}
double element_value(ElementTag<float>, float e) { return e; }
double element_value(ElementTag<double>, double e) { return e; }
double element_value(Bf16Tag, std::uint16_t e) { return bf16_to_float(e); }
double element_value(ElementTag<std::uint64_t>, std::uint64_t e) { return static_cast<double>(e); }

/// Calls fn(tag) with the tag of `dtype`: the loops over elements are compiled once per type
/// instead of switching on the type per element.
template <typename Fn>
void with_element_type(Datatype dtype, Fn&& fn) {
  switch (dtype) {
    case Datatype::kFloat32: fn(ElementTag<float>{}); return;
    case Datatype::kBfloat16: fn(Bf16Tag{}); return;
    case Datatype::kFloat64: fn(ElementTag<double>{}); return;
    case Datatype::kUint64: fn(ElementTag<std::uint64_t>{}); return;
  }
  throw std::logic_error("with_element_type: unknown datatype");
}

}  // namespace

int verification_magnitude(Datatype dtype, int nranks) {
  if (nranks < 1) throw std::invalid_argument("nranks must be >= 1");
  const std::int64_t magnitude = std::min<std::int64_t>(4, exact_integer_limit(dtype) / nranks);
  if (magnitude < 1) {
    throw std::invalid_argument("exact verification of " + std::string(dtype_name(dtype)) +
                                " sums is impossible on " + std::to_string(nranks) +
                                " ranks; run with -c 0");
  }
  return static_cast<int>(magnitude);
}

void fill_verification_data(void* buffer, Datatype dtype, std::size_t count, std::uint64_t seed,
                            int rank, int magnitude, std::uint64_t first_index) {
  const std::uint64_t key = verification_key(seed, rank);
  with_element_type(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* out = static_cast<T*>(buffer);
    for (std::size_t i = 0; i < count; ++i) {
      out[i] = element_from(tag, static_cast<double>(
                                     verification_value_of_key(key, first_index + i, magnitude)));
    }
  });
}

void fill_unwritten(void* buffer, Datatype dtype, std::size_t count) {
  with_element_type(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    std::fill_n(static_cast<T*>(buffer), count,
                element_from(tag, std::numeric_limits<double>::quiet_NaN()));
  });
}

std::size_t count_wrong(const void* buffer, Datatype dtype, std::size_t count,
                        const ExpectedForm& form) {
  if (form.nranks < 1) throw std::invalid_argument("count_wrong: form.nranks must be >= 1");
  // In chunks that stay in L1: each chunk's expected values first, rank by rank (the ranks'
  // keys hashed once per call, and a loop with no dependence between elements), then the
  // comparison. expected_value per element costs about three times as much.
  constexpr std::size_t kChunk = 2048;
  std::vector<std::int64_t> expected(std::min(count, kChunk));
  std::vector<std::uint64_t> keys;
  if (form.sum_over_ranks) {
    for (int r = 0; r < form.nranks; ++r) keys.push_back(verification_key(form.seed, r));
  }
  const auto fill_expected = [&](std::size_t first, std::size_t n) {
    if (form.sum_over_ranks) {
      std::fill_n(expected.begin(), n, 0);
      for (const std::uint64_t key : keys) {
        for (std::size_t j = 0; j < n; ++j) {
          expected[j] += verification_value_of_key(key, form.offset + first + j, form.magnitude);
        }
      }
      return;
    }
    if (form.block == 0) {
      const std::uint64_t key = verification_key(form.seed, form.source_rank);
      for (std::size_t j = 0; j < n; ++j) {
        expected[j] = verification_value_of_key(key, form.offset + first + j, form.magnitude);
      }
      return;
    }
    // Block by block: one source rank's key per run of its elements.
    for (std::size_t j = 0; j < n;) {
      const std::size_t i = first + j;
      const std::uint64_t key = verification_key(form.seed, static_cast<int>(i / form.block));
      const std::uint64_t first_in_block = form.offset + i % form.block;
      const std::size_t run = std::min(n - j, form.block - i % form.block);
      for (std::size_t k = 0; k < run; ++k) {
        expected[j + k] = verification_value_of_key(key, first_in_block + k, form.magnitude);
      }
      j += run;
    }
  };
  std::size_t wrong = 0;
  with_element_type(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* in = static_cast<const T*>(buffer);
    for (std::size_t first = 0; first < count; first += kChunk) {
      const std::size_t n = std::min(kChunk, count - first);
      fill_expected(first, n);
      for (std::size_t j = 0; j < n; ++j) {
        // NaN compares unequal to everything, so unwritten elements count as wrong.
        if (!(element_value(tag, in[first + j]) == static_cast<double>(expected[j]))) ++wrong;
      }
    }
  });
  return wrong;
}

void corrupt_element(void* buffer, Datatype dtype, std::size_t index) {
  with_element_type(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T& e = static_cast<T*>(buffer)[index];
    e = element_from(tag, element_value(tag, e) + 1.0);
  });
}

}  // namespace meshbench
