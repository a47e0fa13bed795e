// nccl-tests stdout (src/common.cu of NVIDIA/nccl-tests): "# Using devices" rank lines give the
// hosts, the "#  size count type ..." header names the columns (old format: "error"; new:
// "root" and "#wrong"), data rows follow until the "# Out of bounds values" footer.

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "fit/csv_table.hpp"
#include "fit/importers/import.hpp"
#include "fit/importers/nccl_tests_names.hpp"

namespace meshbench::fit {
namespace {

std::vector<std::string> tokens_of(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string t; in >> t;) out.push_back(t);
  return out;
}

bool parse_double(const std::string& text, double& value) {
  char* end = nullptr;
  value = std::strtod(text.c_str(), &end);
  return !text.empty() && end == text.c_str() + text.size();
}

/// Index of the `nth` (0-based) column named `name`, or -1.
int column(const std::vector<std::string>& header, const std::string& name, int nth) {
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name && nth-- == 0) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

ImportedTable import_nccl_tests_text(const std::filesystem::path& file, const ImportOptions& o) {
  std::ifstream in(file);
  if (!in) throw InputError(fmt::format("{}: cannot open file", file.string()));
  ImportedTable table;
  table.format = "nccl-tests";
  table.source = file;

  static const std::regex kRank(
      R"(Rank\s+(\d+)\s+(?:Group\s+\d+\s+)?Pid\s+\d+\s+on\s+(\S+)\s+device\s+\d+\s+\[[^\]]*\]\s+(.*\S))");
  static const std::regex kProgram(R"(([A-Za-z_]+_perf)\b)");
  static const std::regex kThreads(R"(nThread\s+(\d+)\s+nGpus\s+(\d+))");
  static const std::regex kVersion(R"(nccl-tests version (\S+) nccl-headers=(\d+) nccl-library=(\d+))");

  std::map<int, std::string> rank_host;
  std::map<std::string, int> devices;
  std::string program, hardware_note;
  int threads_x_gpus = 0;
  std::vector<std::string> header;
  bool in_table = false;
  std::vector<NcclRow> rows;
  std::vector<std::size_t> log_lines;
  std::string line;
  std::smatch m;
  for (std::size_t n = 1; std::getline(in, line); ++n) {
    const auto tok = tokens_of(line);
    if (tok.empty()) continue;
    if (tok[0][0] == '#' || tok[0][0] == '>') {
      if (std::regex_search(line, m, kRank)) {
        rank_host[std::stoi(m[1])] = m[2];
        ++devices[m[3]];
      } else if (std::regex_search(line, m, kVersion)) {
        table.software = fmt::format("nccl-tests {}, NCCL headers {}, library {}", m[1].str(),
                                     m[2].str(), m[3].str());
      } else if (std::regex_search(line, m, kThreads)) {
        threads_x_gpus = std::stoi(m[1]) * std::stoi(m[2]);
      }
      if (line.find("HARDWARE:") != std::string::npos) {
        hardware_note = line.substr(line.find("HARDWARE:") + 9);
      }
      if (line.find("Collective test starting:") != std::string::npos &&
          std::regex_search(line, m, kProgram)) {
        program = m[1];
      } else if (program.empty() && std::regex_search(line, m, kProgram)) {
        program = m[1];
      }
      // "#  size  count  type ..." (the first token may be "#" or "#size").
      std::vector<std::string> h = tok;
      if (h[0] == "#") h.erase(h.begin()); else h[0] = h[0].substr(1);
      if (!h.empty() && h[0] == "size" && column(h, "time", 0) > 0) {
        header = h;
        in_table = true;
      }
      if (line.find("Out of bounds values") != std::string::npos) in_table = false;
      continue;
    }
    if (!in_table) continue;
    double size = 0;
    if (!parse_double(tok[0], size)) {
      log_lines.push_back(n);  // e.g. "host:pid:tid [0] NCCL INFO ..." inside the table
      continue;
    }
    if (tok.size() != header.size()) {
      throw InputError(fmt::format("{}:{}: {} fields, the header has {} (truncated row?)",
                                   file.string(), n, tok.size(), header.size()));
    }
    const int nth = o.in_place ? 1 : 0;
    const int c_time = column(header, "time", nth), c_alg = column(header, "algbw", nth),
              c_bus = column(header, "busbw", nth);
    if (c_time < 0 || c_alg < 0 || c_bus < 0) {
      throw InputError(fmt::format("{}: header has no {} time/algbw/busbw columns",
                                   file.string(), o.in_place ? "in-place" : "out-of-place"));
    }
    NcclRow r;
    r.line = n;
    r.size_bytes = size;
    r.type = tok[2];
    auto number = [&](int col, const char* what) {
      double v = 0;
      if (!parse_double(tok[static_cast<std::size_t>(col)], v) || !std::isfinite(v)) {
        throw InputError(fmt::format("{}:{}: {}: not a number: '{}'", file.string(), n, what,
                                     tok[static_cast<std::size_t>(col)]));
      }
      return v;
    };
    r.count = number(1, "count");
    r.time_us = number(c_time, "time");
    r.algbw_GBps = number(c_alg, "algbw");
    r.busbw_GBps = number(c_bus, "busbw");
    rows.push_back(r);
  }
  if (header.empty()) {
    throw InputError(fmt::format("{}: no nccl-tests table (no '# size count type ...' header)",
                                 file.string()));
  }
  if (!log_lines.empty()) {
    std::string list;
    for (std::size_t l : log_lines) list += fmt::format("{}{}", list.empty() ? "" : ", ", l);
    table.warnings.push_back(fmt::format("skipped line(s) {}: not table rows", list));
  }

  int ranks = o.ranks;
  if (ranks == 0) ranks = static_cast<int>(rank_host.size());
  if (ranks == 0 && threads_x_gpus > 0) {
    ranks = threads_x_gpus;
    table.warnings.push_back(fmt::format(
        "no '# Rank' lines: assuming {} ranks on one node from nThread x nGpus", ranks));
  }
  if (ranks == 0) {
    throw InputError(fmt::format("{}: cannot tell the rank count; give --ranks", file.string()));
  }
  std::vector<std::string> hosts;
  if (o.ranks == 0 || o.ranks == static_cast<int>(rank_host.size())) {
    for (const auto& [r, h] : rank_host) hosts.push_back(h);
  }
  if (o.nodes > 0 && hosts.empty()) {  // stated by the user: ranks spread evenly
    for (int r = 0; r < ranks; ++r) hosts.push_back(fmt::format("node{}", r * o.nodes / ranks));
  }
  for (const auto& [name, count] : devices) {
    table.hardware += fmt::format("{}{} x {}", table.hardware.empty() ? "" : ", ", count, name);
  }
  if (!hardware_note.empty()) table.hardware += (table.hardware.empty() ? "" : "; ") + hardware_note;

  std::string op = o.op;
  if (op.empty() && !program.empty()) {
    const auto mapped = op_of_nccl_program(program);
    if (!mapped) {
      throw InputError(fmt::format("{}: {} has no meshbench op (supported: all_reduce, "
                                   "all_gather, reduce_scatter, alltoall, broadcast, sendrecv)",
                                   file.string(), program));
    }
    op = *mapped;
  }
  if (op.empty()) {
    // Old outputs do not name the test: the columns and element counts tell it.
    const bool redop = column(header, "redop", 0) >= 0;
    for (const NcclRow& r : rows) {
      const double eb = static_cast<double>(nccl_type_bytes(r.type));
      if (r.size_bytes == 0 || eb == 0) continue;
      if (redop && r.count * eb == r.size_bytes) op = "all_reduce";
      else if (redop && r.count * eb * ranks == r.size_bytes) op = "reduce_scatter";
      else if (!redop && r.count * eb * ranks == r.size_bytes) op = "all_gather";
      break;
    }
    if (op.empty()) {
      throw InputError(fmt::format("{}: cannot tell which collective this is; give --op",
                                   file.string()));
    }
    table.warnings.push_back(fmt::format("op not named in the file: taken as {} from its columns",
                                         op));
  }
  finish_nccl_rows(table, rows, op, ranks, hosts);
  return table;
}

}  // namespace meshbench::fit
