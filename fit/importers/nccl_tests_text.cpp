// nccl-tests and rccl-tests stdout (src/common.cu and src/util.cu of NVIDIA/nccl-tests; ROCm's
// rccl-tests prints the same table), as people paste it: launcher prefixes, NCCL INFO and MPI
// chatter between the lines, rank lines trimmed, no header, several tables in one file, a
// table cut mid-way. The file is read as blocks: a block is one table with the lines before it
// (the program, "nThread ... nGpus", "# Rank" lines, versions); a new table header, program or
// "nThread" line after data rows starts the next block. Each block is identified on its own
// (fit/importers/nccl_tests_names.hpp: the op from the program, else from the columns; the
// rank count from the busbw/algbw ratio and the rank lines) and imported as its own series.

#include <fmt/format.h>

#include <map>
#include <set>

#include "fit/csv_table.hpp"
#include "fit/importers/import.hpp"
#include "fit/importers/log_text.hpp"
#include "fit/importers/nccl_tests_names.hpp"

namespace meshbench::fit {
namespace {

using Tokens = std::vector<std::string_view>;


/// Column layout of a data row.
struct Columns {
  bool redop = false, root = false;
  int per_placement = 4;  ///< time algbw busbw #wrong (or error)
  bool wrong_count = true;  ///< the 4th is "#wrong" (a count), not the old "error" (a max error)
  std::size_t fields() const { return 3 + redop + root + 2 * per_placement; }
  std::size_t time(bool in_place) const { return 3 + redop + root + (in_place ? per_placement : 0); }
};

struct RankLine {
  std::string host, device;
  std::size_t line = 0;
};

/// What one table of the file holds, before identification.
struct Block {
  std::string program;        ///< e.g. all_gather_perf (from a command line or the banner)
  int threads_x_gpus = 0;     ///< nThread x nGpus: the ranks of one process
  std::size_t threads_line = 0;  ///< the "nThread ... nGpus" line
  bool one_process = false;   ///< the command line runs the program without a launcher
  std::map<long long, RankLine> ranks;
  std::vector<std::size_t> duplicate_rank_lines;
  std::optional<Columns> columns;
  std::size_t header_line = 0;
  bool inferred_columns = false;  ///< no header: the layout came from the first row
  std::vector<NcclRow> rows;
  std::vector<std::size_t> skipped;
  std::size_t cut_row = 0;        ///< a row cut short where the paste ends
  std::size_t cut_fields = 0;
  std::string software;
};

bool is_comment(const Tokens& t) { return !t.empty() && (t[0][0] == '#' || t[0][0] == '>'); }

/// "#  size  count  type  redop  root  time  algbw  busbw  #wrong  time ..." (2.17+), the old
/// "# size count type redop time algbw busbw error ..." and headers without redop.
std::optional<Columns> header_columns(Tokens t) {
  if (!is_comment(t)) return std::nullopt;
  if (t[0] == "#") {
    t.erase(t.begin());
  } else {
    t[0].remove_prefix(1);
  }
  if (t.size() < 5 || t[0] != "size" || t[1] != "count" || t[2] != "type") return std::nullopt;
  Columns c;
  std::size_t i = 3;
  if (i < t.size() && t[i] == "redop") c.redop = true, ++i;
  if (i < t.size() && t[i] == "root") c.root = true, ++i;
  if (i + 3 > t.size() || t[i] != "time" || t[i + 1] != "algbw" || t[i + 2] != "busbw") return std::nullopt;
  c.per_placement = (i + 3 < t.size() && t[i + 3] != "time") ? 4 : 3;
  c.wrong_count = c.per_placement == 4 && t[i + 3] == "#wrong";
  return c;
}

/// The layout of a header-less table, from a data row: size, count, a type nccl-tests knows,
/// then an optional redop word and an optional root integer.
std::optional<Columns> row_columns(const Tokens& t) {
  if (t.size() < 6 || !parse_size_bytes(t[0]) || !parse_size_bytes(t[1]) || nccl_type_bytes(std::string(t[2])) == 0) {
    return std::nullopt;
  }
  Columns c;
  std::size_t i = 3;
  if (!parse_finite(t[i])) c.redop = true, ++i;
  if (i < t.size() && t[i].find('.') == std::string_view::npos && parse_finite(t[i])) c.root = true, ++i;
  const std::size_t rest = t.size() - i;
  if (rest == 8) c.per_placement = 4;
  else if (rest == 6) c.per_placement = 3;
  else return std::nullopt;
  return c;
}

/// "#  Rank  0 Group  0 Pid  1234 on  host device  0 [0000:07:00] NVIDIA H100 80GB HBM3", older
/// lines without Group, rccl-tests lines without a device name.
/// Throws InputError naming `where` ("FILE:LINE") for a rank number beyond 2^24.
bool parse_rank_line(const std::string& where, const Tokens& t, long long& rank, std::string& host,
                     std::string& device) {
  std::size_t i = 0;
  while (i < t.size() && t[i] != "Rank") ++i;
  if (i + 1 >= t.size()) return false;
  const auto r = parse_count(t[i + 1], 1 << 24);
  if (!r) {
    if (parse_count(t[i + 1], 1LL << 60) || t[i + 1].size() > 18) {
      throw InputError(fmt::format("{}: rank {}: more ranks than any run has (at most 2^24)", where,
                                   std::string(t[i + 1]).substr(0, 24)));
    }
    return false;
  }
  std::size_t on = i + 2;
  while (on < t.size() && t[on] != "on") ++on;
  if (on + 1 >= t.size()) return false;
  rank = *r;
  host = valid_utf8(t[on + 1]);
  std::string rest;
  std::size_t d = on + 2;
  while (d < t.size() && t[d] != "device") ++d;
  d += 2;                                             // "device N"
  if (d < t.size() && t[d].front() == '[') ++d;       // the bus id
  for (; d < t.size(); ++d) rest += (rest.empty() ? "" : " ") + std::string(t[d]);
  device = valid_utf8(rest.substr(0, 80));
  return true;
}

/// A token naming an nccl-tests or rccl-tests program: "all_reduce_perf", "./build/alltoall_perf",
/// or a wrapper script's "-t all_gather" (nccl-tests' own -t takes a number, never a name).
std::string program_in(const Tokens& t) {
  for (std::size_t k = 0; k + 1 < t.size(); ++k) {
    if (t[k] != "-t" && t[k] != "--test") continue;
    const std::string name = std::string(t[k + 1]) + (t[k + 1].ends_with("_perf") ? "" : "_perf");
    if (op_of_nccl_program(name)) return name;
  }
  for (std::string_view tok : t) {
    // The file name of the token (not a folder such as gpu_perf/), less nccl-tests' _mpi build
    // suffix and trailing punctuation of prose ("all_reduce_perf:", "`alltoall_perf`").
    while (!tok.empty() && std::string_view("`'\":,;.)").find(tok.back()) != std::string_view::npos) tok.remove_suffix(1);
    const auto slash = tok.find_last_of('/');
    if (slash != std::string_view::npos) tok.remove_prefix(slash + 1);
    while (!tok.empty() && std::string_view("`'\"(").find(tok.front()) != std::string_view::npos) tok.remove_prefix(1);
    if (tok.ends_with("_mpi")) tok.remove_suffix(4);
    if (tok.size() > 5 && tok.ends_with("_perf") && std::isalpha(static_cast<unsigned char>(tok[0]))) {
      return std::string(tok);
    }
  }
  return "";
}

std::string software_in(const std::string& line) {
  for (const char* marker : {"nccl-tests version", "rccl-tests: Version", "RCCL version", "NCCL version"}) {
    const auto at = line.find(marker);
    if (at != std::string::npos) return valid_utf8(line.substr(at, 80));
  }
  return "";
}

NcclRow parse_row(const std::string& file, const LogLine& l, const Tokens& t, const Columns& c,
                  bool in_place) {
  auto fail = [&](const std::string& what) -> void {
    throw InputError(fmt::format("{}:{}: {}", file, l.number, what));
  };
  NcclRow r;
  r.line = l.number;
  const auto size = parse_size_bytes(t[0]);
  if (!size) fail(fmt::format("size: expected a whole number of bytes, got '{}'", t[0]));
  const auto count = parse_size_bytes(t[1]);
  if (!count) fail(fmt::format("count: expected a whole number of elements, got '{}'", t[1]));
  r.size_bytes = static_cast<double>(*size);
  r.count = static_cast<double>(*count);
  r.type = std::string(t[2]);
  if (c.redop) r.redop = std::string(t[3]);
  if (c.root) {
    const auto root = parse_finite(t[3 + c.redop]);
    if (!root) fail(fmt::format("root: not a number: '{}'", t[3 + c.redop]));
    r.root = static_cast<int>(*root);
  }
  const std::size_t at = c.time(in_place);
  auto number = [&](std::size_t col, const char* what, double& value, int& decimals) {
    const auto v = parse_finite(t[col]);
    if (!v) fail(fmt::format("{}: not a number: '{}'", what, t[col]));
    value = *v;
    const auto dot = t[col].find('.');
    decimals = dot == std::string_view::npos ? 0 : static_cast<int>(t[col].size() - dot - 1);
  };
  int unused = 0;
  number(at, "time", r.time_us, unused);
  if (c.per_placement == 4 && c.wrong_count) {
    r.wrong = parse_count(t[at + 3], 1LL << 50).value_or(0);  // "N/A" without validation
  }
  number(at + 1, "algbw", r.algbw_GBps, r.algbw_decimals);
  number(at + 2, "busbw", r.busbw_GBps, r.busbw_decimals);
  return r;
}

/// Splits the file into blocks and parses their rows.
std::vector<Block> read_blocks(const std::string& file, const LogText& text, bool in_place) {
  std::vector<Block> blocks(1);
  auto current = [&]() -> Block& { return blocks.back(); };
  // A new run starts a new block: what one run printed (rank lines, its program) never carries
  // over to the next, even when the first printed no table.
  auto start_new_if = [&](bool condition) {
    if (condition) blocks.emplace_back();
  };
  for (const LogLine& l : text.lines) {
    const Tokens t = split_tokens(l.text);
    if (t.empty()) continue;
    if (const auto prog = program_in(t); !prog.empty() && !parse_size_bytes(t[0])) {
      const Block& b = current();
      start_new_if(!b.rows.empty() || !b.ranks.empty() || b.columns || b.threads_line > 0 ||
                   (!b.program.empty() && b.program != prog));
      current().program = prog;
      // "./build/sendrecv_perf -b 128M -e 1G -g 8": the program is the command itself (no
      // launcher before it), so one process with -t threads x -g GPUs ranks.
      std::size_t k = 0;
      while (k < t.size() && (t[k] == "$" || t[k] == "#" || t[k] == "sudo" || t[k] == "time" ||
                              t[k] == "env" || t[k].find('=') != std::string_view::npos)) {
        ++k;
      }
      const bool first_word = k < t.size() && t[k].ends_with(prog) ||
                              (k < t.size() && t[k].ends_with(prog + "_mpi"));
      int threads = 1, gpus = 0;
      for (std::size_t j = k; j + 1 < t.size(); ++j) {
        if (t[j] == "-g" || t[j] == "-t") {
          if (const auto v = parse_count(t[j + 1], 1 << 12)) (t[j] == "-g" ? gpus : threads) = static_cast<int>(*v);
        }
      }
      if (first_word && gpus > 0) {
        current().one_process = true;
        current().threads_x_gpus = threads * gpus;
      }
    }
    if (auto s = software_in(l.text); !s.empty() && current().software.empty()) current().software = s;
    if (is_comment(t)) {
      long long rank = 0;
      std::string host, device;
      if (const auto c = header_columns(t)) {
        start_new_if(!current().rows.empty());
        current().columns = c;
        current().header_line = l.number;
      } else if (l.text.find("nThread") != std::string::npos && l.text.find("nGpus") != std::string::npos) {
        const Block& b = current();
        start_new_if(!b.rows.empty() || !b.ranks.empty() || b.columns || b.threads_line > 0);
        current().threads_line = l.number;
        for (std::size_t k = 0; k + 3 < t.size(); ++k) {
          if (t[k] == "nThread" && t[k + 2] == "nGpus") {
            const auto a = parse_count(t[k + 1], 1 << 16), b2 = parse_count(t[k + 3], 1 << 16);
            if (a && b2) current().threads_x_gpus = static_cast<int>(*a * *b2);
          }
        }
      } else if (parse_rank_line(fmt::format("{}:{}", file, l.number), t, rank, host, device)) {
        start_new_if(!current().rows.empty() || current().columns.has_value());
        auto [it, fresh] = current().ranks.emplace(rank, RankLine{host, device, l.number});
        if (!fresh) {
          if (it->second.host != host) {
            throw InputError(fmt::format("{}:{}: rank {} listed on host {} and, at line {}, on {}",
                                         file, l.number, rank, host, it->second.line, it->second.host));
          }
          current().duplicate_rank_lines.push_back(l.number);
        }
      }
      continue;
    }
    Block& b = current();
    if (!b.columns) {
      if (const auto c = row_columns(t)) {
        b.columns = c;
        b.inferred_columns = true;
      } else {
        continue;  // chatter before any table
      }
    }
    const bool typed = t.size() > 2 && nccl_type_bytes(std::string(t[2])) > 0;
    const bool sized = parse_size_bytes(t[0]).has_value();
    if (!typed && !sized) {
      if (!b.rows.empty()) b.skipped.push_back(l.number);  // NCCL INFO, warnings, "..." in the table
      continue;
    }
    // A row that a failure message cut into ("... none -1 node0: Test CUDA failure ..."): the
    // fields after the leading ones are not all numbers (or N/A).
    bool clean = t.size() <= b.columns->fields();
    for (std::size_t k = 3 + b.columns->redop + b.columns->root; clean && k < t.size(); ++k) {
      const std::string_view x = t[k];
      clean = x == "N/A" || x == "nan" || x == "-nan" || x == "inf" || x == "-inf" ||
              x.find_first_not_of("0123456789.eE+-") == std::string_view::npos;
    }
    auto truncated = [&](std::size_t line, std::size_t fields) {
      return InputError(fmt::format("{}:{}: {} fields, the header (line {}) has {} (truncated row?)",
                                    file, line, fields, b.header_line, b.columns->fields()));
    };
    if (t.size() != b.columns->fields() || !clean) {
      // A row cut short is the end of a paste, unless a full row follows (checked below).
      if (sized && typed && (t.size() < b.columns->fields() || !clean) && b.cut_row == 0) {
        b.cut_row = l.number;
        b.cut_fields = t.size();
      } else if (sized && typed) {
        throw truncated(l.number, t.size());
      } else if (!b.rows.empty()) {
        b.skipped.push_back(l.number);
      }
      continue;
    }
    if (b.cut_row > 0) throw truncated(b.cut_row, b.cut_fields);
    b.rows.push_back(parse_row(file, l, t, *b.columns, in_place));
  }
  std::vector<Block> with_rows;
  for (Block& b : blocks) {
    if (!b.rows.empty()) with_rows.push_back(std::move(b));
  }
  if (with_rows.empty()) {
    for (const Block& b : blocks) {
      if (b.columns && b.header_line > 0) {
        throw InputError(fmt::format("{}:{}: a table header and no complete row after it{} (the "
                                     "run failed, or the paste stops there)", file, b.header_line,
                                     b.cut_row ? fmt::format(" (line {} is cut short)", b.cut_row) : ""));
      }
    }
  }
  return with_rows;
}

/// Identifies one block and adds its measurements to `table`.
void import_block(ImportedTable& table, const Block& b, const ImportOptions& o) {
  const std::string file = table.source.string();
  const std::size_t first = b.rows.front().line, last = b.rows.back().line;
  const std::string where = fmt::format("{}:{}-{}", file, first, last);
  if (b.inferred_columns && !o.in_place) {
    table.notes.push_back(fmt::format("lines {}-{}: no header; columns read from the rows", first, last));
  }
  if (!b.duplicate_rank_lines.empty()) {
    table.warnings.push_back(fmt::format("lines {}: repeated rank lines ignored",
                                         line_list(b.duplicate_rank_lines)));
  }
  if (!b.skipped.empty()) {
    table.warnings.push_back(fmt::format("skipped line(s) {}: not table rows", line_list(b.skipped)));
  }
  if (b.cut_row > 0) {
    table.warnings.push_back(fmt::format("line {}: a row cut short where the table ends, skipped",
                                         b.cut_row));
  }
  const int listed = static_cast<int>(b.ranks.size());
  const NcclIdentity id = identify_nccl_table(where, b.rows, b.columns->redop, b.columns->root,
                                              b.program, listed, b.one_process ? b.threads_x_gpus : 0, o);
  for (const auto& note : id.notes) table.notes.push_back(note);
  std::vector<std::string> hosts;
  if (o.nodes > id.ranks) {
    throw InputError(fmt::format("{}: --nodes {} for {} ranks", where, o.nodes, id.ranks));
  }
  if (listed == id.ranks) {
    for (const auto& [r, line] : b.ranks) hosts.push_back(line.host);
    const std::set<std::string> distinct(hosts.begin(), hosts.end());
    if (o.nodes > 0 && static_cast<int>(distinct.size()) != o.nodes) {
      throw InputError(fmt::format("{}: --nodes {}, but the rank lines name {} host(s)", where,
                                   o.nodes, distinct.size()));
    }
  } else if (o.nodes > 0) {
    for (int r = 0; r < id.ranks; ++r) hosts.push_back(fmt::format("node{}", r * o.nodes / id.ranks));
  } else if (!(b.one_process && id.ranks == b.threads_x_gpus)) {
    // Without rank lines the nodes are known only when one process holds every rank.
    std::set<std::string> seen;
    for (const auto& [r, line] : b.ranks) seen.insert(line.host);
    throw InputError(fmt::format(
        "{}: {} ranks, {} rank line(s) listed ({} host(s)): cannot tell the nodes; give --nodes",
        where, id.ranks, listed, seen.size()));
  }
  std::map<std::string, int> devices;
  for (const auto& [r, line] : b.ranks) {
    if (!line.device.empty()) ++devices[line.device];
  }
  std::string hardware;
  for (const auto& [name, count] : devices) {
    hardware += fmt::format("{}{} x {}", hardware.empty() ? "" : ", ", count, name);
  }
  if (table.hardware.empty()) table.hardware = hardware;
  if (table.software.empty()) table.software = b.software;
  const std::string tool = b.software.empty() ? "nccl-tests" : b.software;
  const std::string origin = fmt::format("{} ({}), lines {}-{}", file, tool, first, last);
  finish_nccl_rows(table, b.rows, id.op, id.ranks, hosts, origin);
}

}  // namespace

bool looks_like_nccl_tests_line(const std::string& line) {
  const Tokens t = split_tokens(line);
  return header_columns(t).has_value() || row_columns(t).has_value();
}

ImportedTable import_nccl_tests_text(const std::filesystem::path& file, const LogText& text,
                                     const ImportOptions& o) {
  ImportedTable table = log_table("nccl-tests", file, text);
  const std::vector<Block> blocks = read_blocks(file.string(), text, o.in_place);
  if (blocks.empty()) {
    throw InputError(fmt::format("{}: no nccl-tests table (no '# size count type ...' header and "
                                 "no rows of size, count, type, time, algbw, busbw)", file.string()));
  }
  // A table of a collective meshbench has no op for (reduce_perf, gather_perf) is set aside when
  // the file holds others; alone, it is refused.
  std::vector<std::string> unsupported;
  for (const Block& b : blocks) {
    const bool has_no_op = !b.program.empty() && !op_of_nccl_program(b.program);
    if (has_no_op && blocks.size() > 1) {
      unsupported.push_back(fmt::format("{} (lines {}-{})", b.program, b.rows.front().line,
                                        b.rows.back().line));
      continue;
    }
    import_block(table, b, o);
  }
  if (!unsupported.empty()) {
    const std::string list = join_list(unsupported);
    if (table.measurements.empty()) {  // every table set aside: nothing to fit, say why
      throw InputError(fmt::format("{}: only tables of collectives meshbench has no op for: {}",
                                   file.string(), list));
    }
    table.warnings.push_back(fmt::format("tables of collectives meshbench has no op for, set aside: {}", list));
  }
  return table;
}

}  // namespace meshbench::fit
