#include "patterns/units.hpp"

#include <cctype>
#include <charconv>
#include <limits>

#include <fmt/format.h>

namespace meshbench {

std::uint64_t parse_bytes(std::string_view text) {
  const std::string shown(text);
  if (text.empty()) throw SizeParseError("empty size");
  std::uint64_t value = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec == std::errc::result_out_of_range) throw SizeParseError("size out of range: '" + shown + "'");
  if (ec != std::errc() || ptr == begin) {
    throw SizeParseError("not a size: '" + shown + "' (expected e.g. 8, 64K, 4M, 1G)");
  }
  std::string suffix(ptr, end);
  for (auto& c : suffix) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::uint64_t multiplier = 1;
  if (suffix.empty() || suffix == "B") {
    multiplier = 1;
  } else if (suffix == "K" || suffix == "KB" || suffix == "KIB") {
    multiplier = 1ull << 10;
  } else if (suffix == "M" || suffix == "MB" || suffix == "MIB") {
    multiplier = 1ull << 20;
  } else if (suffix == "G" || suffix == "GB" || suffix == "GIB") {
    multiplier = 1ull << 30;
  } else if (suffix == "T" || suffix == "TB" || suffix == "TIB") {
    multiplier = 1ull << 40;
  } else {
    throw SizeParseError("unknown size suffix '" + std::string(ptr, end) + "' in '" + shown +
                         "' (use K, M, G or T)");
  }
  if (value > std::numeric_limits<std::uint64_t>::max() / multiplier) {
    throw SizeParseError("size out of range: '" + shown + "'");
  }
  return value * multiplier;
}

std::string format_bytes(std::uint64_t bytes) {
  static constexpr const char* kSuffixes[] = {"T", "G", "M", "K"};
  static constexpr int kShifts[] = {40, 30, 20, 10};
  for (int i = 0; i < 4; ++i) {
    const std::uint64_t unit = 1ull << kShifts[i];
    if (bytes >= unit && bytes % unit == 0) return fmt::format("{}{}", bytes / unit, kSuffixes[i]);
  }
  return fmt::format("{}", bytes);
}

std::string format_bytes_approx(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int u = 0;
  while (bytes >= 1024 && u < 5) {
    bytes /= 1024;
    ++u;
  }
  return fmt::format("{:.4g} {}", bytes, units[u]);
}

}  // namespace meshbench
