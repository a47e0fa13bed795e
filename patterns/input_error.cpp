#include "patterns/input_error.hpp"

#include <fmt/format.h>

#include <cmath>
#include <string>

namespace meshbench {

long long checked_range(long long value, long long lo, long long hi, std::string_view what) {
  if (value < lo || value > hi) {
    throw InputError(fmt::format("{}: expected an integer in [{}, {}], got {}", what, lo, hi, value));
  }
  return value;
}

long long checked_integer(double value, long long lo, long long hi, std::string_view what) {
  // Compared as doubles first: casting NaN, inf or anything from 2^63 on to an integer is
  // undefined (and double(INT64_MAX) rounds up to 2^63, so that bound is checked apart).
  if (!(value >= static_cast<double>(lo) && value <= static_cast<double>(hi)) ||
      !(value < 0x1p63) || value != std::floor(value)) {
    throw InputError(fmt::format("{}: expected an integer in [{}, {}], got {}", what, lo, hi, value));
  }
  return checked_range(static_cast<long long>(value), lo, hi, what);
}

long long checked_product(std::initializer_list<long long> factors, long long max,
                          std::string_view what) {
  auto shown = [&] {  // built only to throw: the planner's search multiplies mesh sizes a lot
    std::string s;
    for (long long f : factors) s += fmt::format("{}{}", s.empty() ? "" : " x ", f);
    return s;
  };
  long long product = 1;
  for (long long f : factors) {
    if (f < 0) throw InputError(fmt::format("{}: negative factor in {}", what, shown()));
    if (__builtin_mul_overflow(product, f, &product) || product > max) {
      throw InputError(fmt::format("{}: {} exceeds {}", what, shown(), max));
    }
  }
  return product;
}

void refuse_directory(const std::filesystem::path& file, std::string_view what) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) {
    throw InputError(fmt::format("{}: is a directory, not a {}", file.string(), what));
  }
}

}  // namespace meshbench
