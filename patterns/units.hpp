#pragma once
// Byte sizes as people type them on benchmark command lines (nccl-tests -b/-e, meshfit --bytes).

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "patterns/input_error.hpp"

namespace meshbench {

/// Thrown when a byte size cannot be parsed; what() names the offending text.
class SizeParseError : public InputError {
 public:
  using InputError::InputError;
};

/// Parses "8", "64K", "4M", "1G" (also "4MB", "4MiB", lower case) into bytes.
/// Suffixes are binary (K = 1024), as in nccl-tests' -b/-e flags.
/// Throws SizeParseError for empty text, a missing number, an unknown suffix, a value that
/// is not a non-negative integer, or an overflow of 64 bits.
std::uint64_t parse_bytes(std::string_view text);

/// Formats bytes the way parse_bytes reads them when exact ("4M", "96K", "100"),
/// otherwise as the plain integer.
std::string format_bytes(std::uint64_t bytes);

/// A size for people with 4 significant digits in the largest binary unit that keeps it
/// >= 1: "151.4 MiB", "8 GiB", "12 B".
std::string format_bytes_approx(double bytes);

}  // namespace meshbench
