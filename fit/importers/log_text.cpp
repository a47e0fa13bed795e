#include "fit/importers/log_text.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>

#include "fit/csv_table.hpp"

namespace meshbench::fit {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::size_t launcher_prefix_at(std::string_view s, std::string& kind);

/// The length of a launcher prefix at the start of `line` (0: none) and its kind.
std::size_t launcher_prefix(std::string_view line, std::string& kind) {
  // Documentation markup often indents a pasted block: look past leading blanks.
  const std::size_t indent = std::min(line.find_first_not_of(" \t"), line.size());
  const std::string_view s = line.substr(indent);
  if (const std::size_t p = launcher_prefix_at(s, kind); p > 0) return indent + p;
  return 0;
}

std::size_t launcher_prefix_at(std::string_view s, std::string& kind) {
  // A Markdown block quote ("> " before every line of a pasted log).
  if (s.size() >= 2 && s[0] == '>' && (s[1] == ' ' || s[1] == '\t')) {
    kind = "block quote '> '";
    return 2;
  }
  if (s == ">") {
    kind = "block quote '> '";
    return 1;
  }
  // Ray / SkyPilot: "(head, rank=0, pid=3808) ", then often an mpirun prefix as well.
  if (!s.empty() && s[0] == '(') {
    const auto close = s.find(") ");
    if (close != std::string_view::npos && close < 120 && s.substr(0, close).find("pid=") != std::string_view::npos) {
      kind = "Ray/SkyPilot '(node, rank=R, pid=P)'";
      return close + 2;
    }
  }
  // mpirun --tag-output: "[1,0]<stdout>:" (OpenMPI), also "[1,0]<stderr>:".
  if (!s.empty() && s[0] == '[') {
    std::size_t i = 1;
    while (i < s.size() && (is_digit(s[i]) || s[i] == ',')) ++i;
    if (i > 1 && i + 1 < s.size() && s[i] == ']' && s[i + 1] == '<') {
      const auto close = s.find(">:", i);
      if (close != std::string_view::npos && close < i + 12) {
        kind = "mpirun --tag-output '[J,R]<stream>:'";
        return close + 2;
      }
    }
  }
  // srun -l: "  0: " (a rank number, a colon, a space).
  std::size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  std::size_t j = i;
  while (j < s.size() && is_digit(s[j])) ++j;
  if (j > i && j - i <= 6 && j + 1 < s.size() && s[j] == ':' && s[j + 1] == ' ') {
    kind = "srun -l 'N: '";
    return j + 2;
  }
  // pdsh / kubectl: "host: " (a host name of letters, digits, '.', '-' and '_').
  j = 0;
  while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '.' ||
                          s[j] == '-' || s[j] == '_')) {
    ++j;
  }
  if (j > 0 && j <= 64 && j + 1 < s.size() && s[j] == ':' && s[j + 1] == ' ' &&
      !is_digit(s[0])) {
    // Not "Avg bus bandwidth    : ..." (spaces before the colon) nor "time: 3 us" style words
    // that tools print themselves.
    static const char* kWords[] = {"Time", "time", "Size", "Error", "error", "Warning", "WARNING",
                                   "Note", "NOTE", "real", "user", "sys", "ERROR", "Avg"};
    const std::string_view word = s.substr(0, j);
    for (const char* w : kWords) {
      if (word == w) return 0;
    }
    kind = "host 'NAME: ' (pdsh, kubectl)";
    return j + 2;
  }
  return 0;
}

}  // namespace

LogText read_log_text(const std::filesystem::path& file, std::uintmax_t max_bytes) {
  refuse_directory(file, "log");
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  std::ifstream in(file, std::ios::binary);
  if (ec || !in) throw InputError(fmt::format("{}: cannot open file", file.string()));
  if (size > max_bytes) {
    throw InputError(fmt::format("{}: {} bytes, more than the {} a log may hold", file.string(),
                                 size, max_bytes));
  }
  LogText out;
  std::string line;
  for (std::size_t n = 1; std::getline(in, line); ++n) {
    if (n > kMaxLogLines) {
      throw InputError(fmt::format("{}: more than {} lines, more than a log of one run holds",
                                   file.string(), kMaxLogLines));
    }
    if (n == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.lines.push_back({n, std::move(line)});
  }
  // Launcher prefixes. "[1,0]<stdout>:" and "0: " are distinctive; a host prefix ("node1: ")
  // only counts when it is on most lines (else "mpirun: ..." chatter would be taken for one).
  std::map<std::string, std::size_t> found;
  std::size_t nonempty = 0;
  for (const LogLine& l : out.lines) {
    std::string kind;
    nonempty += !l.text.empty();
    const std::size_t p = launcher_prefix(l.text, kind);
    if (p > 0) ++found[kind];
    std::string inner;
    if (p > 0 && launcher_prefix(std::string_view(l.text).substr(p), inner) > 0) ++found[inner];
  }
  const std::string host_kind = "host 'NAME: ' (pdsh, kubectl)", quote_kind = "block quote '> '";
  const bool hosts = found.count(host_kind) && 2 * found[host_kind] >= nonempty;
  const bool quotes = found.count(quote_kind) && 2 * found[quote_kind] >= nonempty;
  std::map<std::string, std::size_t> stripped;
  for (LogLine& l : out.lines) {
    for (int layer = 0; layer < 2; ++layer) {  // "(head, rank=0, pid=1) [1,0]<stdout>:"
      std::string kind;
      const std::size_t p = launcher_prefix(l.text, kind);
      if (p == 0 || (kind == host_kind && !hosts) || (kind == quote_kind && !quotes)) break;
      ++stripped[kind];
      l.text.erase(0, p);
    }
  }
  for (const auto& [kind, count] : stripped) {
    out.notes.push_back(fmt::format("launcher prefix {} stripped on {} line(s)", kind, count));
  }
  return out;
}

std::vector<std::string_view> split_tokens(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    std::size_t j = i;
    while (j < line.size() && !std::isspace(static_cast<unsigned char>(line[j]))) ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

std::optional<std::uint64_t> parse_size_bytes(std::string_view token) {
  const auto v = parse_count(token, 1LL << 50);
  if (!v) return std::nullopt;
  return static_cast<std::uint64_t>(*v);
}

std::optional<double> parse_finite(std::string_view token) {
  if (token.empty() || token.size() > 64) return std::nullopt;
  double v = 0;  // from_chars: no copy, no locale
  const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), v);
  if (ec != std::errc() || end != token.data() + token.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<long long> parse_count(std::string_view token, long long max) {
  if (token.empty() || token.size() > 18) return std::nullopt;
  long long v = 0;
  for (char c : token) {
    if (!is_digit(c)) return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v > max) return std::nullopt;
  return v;
}

std::string line_list(const std::vector<std::size_t>& lines) {
  std::string s;
  for (std::size_t k = 0; k < lines.size() && k < 12; ++k) s += fmt::format("{}{}", k ? ", " : "", lines[k]);
  return lines.size() > 12 ? s + fmt::format(" and {} more", lines.size() - 12) : s;
}

std::string join_list(const std::vector<std::string>& items) {
  std::string s;
  for (const auto& item : items) s += (s.empty() ? "" : ", ") + item;
  return s;
}

std::string valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (std::size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) >> 6) == 0x2;
    if (ok && len == 2 && c < 0xC2) ok = false;  // overlong
    if (ok) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out.push_back('?');
      ++i;
    }
  }
  return out;
}

}  // namespace meshbench::fit
