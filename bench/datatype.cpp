#include "bench/datatype.hpp"

#include <bit>
#include <stdexcept>

namespace meshbench {

std::size_t element_bytes(Datatype dtype) {
  switch (dtype) {
    case Datatype::kFloat32: return 4;
    case Datatype::kBfloat16: return 2;
    case Datatype::kFloat64: return 8;
    case Datatype::kUint64: return 8;
  }
  throw std::logic_error("element_bytes: unknown datatype");
}

std::string_view dtype_name(Datatype dtype) {
  switch (dtype) {
    case Datatype::kFloat32: return "float32";
    case Datatype::kBfloat16: return "bf16";
    case Datatype::kFloat64: return "float64";
    case Datatype::kUint64: return "uint64";
  }
  throw std::logic_error("dtype_name: unknown datatype");
}

std::optional<Datatype> parse_benchmark_dtype(std::string_view name) {
  if (name == "float32" || name == "float" || name == "fp32") return Datatype::kFloat32;
  if (name == "bf16" || name == "bfloat16") return Datatype::kBfloat16;
  return std::nullopt;
}

std::uint16_t float_to_bf16(float value) {
  const std::uint32_t bits = std::bit_cast<std::uint32_t>(value);
  if ((bits & 0x7f800000u) == 0x7f800000u && (bits & 0x007fffffu) != 0) {
    return static_cast<std::uint16_t>((bits >> 16) | 0x0040u);  // quiet NaN
  }
  // Round to nearest, ties to even: add 0x7fff plus the lowest kept bit, then truncate.
  const std::uint32_t rounding = 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<std::uint16_t>((bits + rounding) >> 16);
}

float bf16_to_float(std::uint16_t bits) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(bits) << 16);
}

}  // namespace meshbench
