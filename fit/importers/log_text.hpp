#pragma once
// The text of a log as people paste it, made readable line by line for the nccl-tests, rccl-tests
// and OSU importers: a UTF-8 BOM and CRs removed, launcher prefixes stripped (mpirun
// --tag-output "[1,0]<stdout>:", srun -l "0: ", pdsh "host: "), tokens split without regular
// expressions (a 100 KB line costs linear time), sizes and numbers parsed strictly.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meshbench::fit {

struct LogLine {
  std::size_t number = 0;  ///< 1-based line in the file
  std::string text;        ///< without CR, BOM and launcher prefix
};

struct LogText {
  std::vector<LogLine> lines;
  /// What was done to the text, for the import's notes ("launcher prefix '[1,0]<stdout>:'
  /// stripped on 212 lines").
  std::vector<std::string> notes;
};

/// The most lines read_log_text reads: more than a log of one run holds.
inline constexpr std::size_t kMaxLogLines = 2'000'000;

/// Reads `file`: at most `max_bytes` and kMaxLogLines lines (InputError naming the file beyond
/// them, or when it is unreadable: memory stays bounded, about 100 MB at the limits).
LogText read_log_text(const std::filesystem::path& file, std::uintmax_t max_bytes = 64u << 20);

/// Whitespace-separated tokens of `line`.
std::vector<std::string_view> split_tokens(std::string_view line);

/// A whole number of bytes: decimal digits only, at most 2^50 (1 PiB). nullopt for "-8", "8.5",
/// "1e30", "inf", "0x10" or anything else.
std::optional<std::uint64_t> parse_size_bytes(std::string_view token);

/// A finite decimal number (strtod over the whole token); nullopt otherwise.
std::optional<double> parse_finite(std::string_view token);

/// A non-negative integer of at most `max` (digits only); nullopt otherwise.
std::optional<long long> parse_count(std::string_view token, long long max);

/// "3, 5, 9" (at most 12 line numbers, then "and N more"): for warnings that name lines.
std::string line_list(const std::vector<std::size_t>& lines);

/// The items joined by ", ".
std::string join_list(const std::vector<std::string>& items);

/// `text` with every byte sequence that is not valid UTF-8 replaced by '?', so that host and
/// device names can go into JSON outputs.
std::string valid_utf8(std::string_view text);

}  // namespace meshbench::fit
