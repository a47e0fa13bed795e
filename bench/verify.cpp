#include "bench/verify.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

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

double read_element(const void* buffer, Datatype dtype, std::size_t i) {
  switch (dtype) {
    case Datatype::kFloat32: return static_cast<const float*>(buffer)[i];
    case Datatype::kBfloat16: return bf16_to_float(static_cast<const std::uint16_t*>(buffer)[i]);
    case Datatype::kFloat64: return static_cast<const double*>(buffer)[i];
    case Datatype::kUint64: return static_cast<double>(static_cast<const std::uint64_t*>(buffer)[i]);
  }
  throw std::logic_error("read_element: unknown datatype");
}

void write_element(void* buffer, Datatype dtype, std::size_t i, double value) {
  switch (dtype) {
    case Datatype::kFloat32: static_cast<float*>(buffer)[i] = static_cast<float>(value); return;
    case Datatype::kBfloat16:
      static_cast<std::uint16_t*>(buffer)[i] = float_to_bf16(static_cast<float>(value));
      return;
    case Datatype::kFloat64: static_cast<double*>(buffer)[i] = value; return;
    case Datatype::kUint64:
      static_cast<std::uint64_t*>(buffer)[i] = static_cast<std::uint64_t>(value);
      return;
  }
  throw std::logic_error("write_element: unknown datatype");
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
  for (std::size_t i = 0; i < count; ++i) {
    write_element(buffer, dtype, i,
                  static_cast<double>(verification_value(seed, rank, first_index + i, magnitude)));
  }
}

void fill_unwritten(void* buffer, Datatype dtype, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    write_element(buffer, dtype, i, std::numeric_limits<double>::quiet_NaN());
  }
}

std::size_t count_wrong(const void* buffer, Datatype dtype, std::size_t count,
                        const std::function<std::int64_t(std::size_t)>& expected) {
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < count; ++i) {
    // NaN compares unequal to everything, so unwritten elements count as wrong.
    if (!(read_element(buffer, dtype, i) == static_cast<double>(expected(i)))) ++wrong;
  }
  return wrong;
}

void corrupt_element(void* buffer, Datatype dtype, std::size_t index) {
  write_element(buffer, dtype, index, read_element(buffer, dtype, index) + 1.0);
}

}  // namespace meshbench
