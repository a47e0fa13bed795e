#pragma once
// The one type of bad input, and the integer checks every reader runs before it multiplies or
// allocates what it read.

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <stdexcept>
#include <string_view>

namespace meshbench {

/// Bad input (a file, one of its fields, or a flag value). what() names where (file and key,
/// or flag) and the value. Every command's main() prints it as one line and exits 2; the
/// readers' own error types (ConfigError, MeshError, SizeParseError, UsageError) derive from it.
class InputError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// `value` when it lies in [lo, hi]. Throws InputError "WHAT: expected an integer in [lo, hi],
/// got VALUE" otherwise. `what` names the file and field, or the flag.
long long checked_range(long long value, long long lo, long long hi, std::string_view what);

/// `value` as an integer when it is finite, whole and in [lo, hi] (numbers read as doubles from
/// CSV or JSON: NaN, inf, 0.5 and 1e300 are refused before any cast). Throws InputError as
/// checked_range does.
long long checked_integer(double value, long long lo, long long hi, std::string_view what);

/// The product of `factors` (each >= 0) when it is at most `max`. Throws InputError "WHAT:
/// product A x B x ... exceeds MAX" otherwise; never wraps (checked at every step).
long long checked_product(std::initializer_list<long long> factors, long long max,
                          std::string_view what);

/// Throws InputError "FILE: is a directory, not a WHAT" when `file` is a directory (an ifstream
/// opens one without error and reads nothing, which would be reported as an empty or invalid
/// file).
void refuse_directory(const std::filesystem::path& file, std::string_view what);

}  // namespace meshbench
