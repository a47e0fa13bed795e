// OSU micro-benchmarks latency output (osu_latency and the collective latency tests such as
// osu_allreduce): "# OSU MPI <Name> Test vX" then "# Size  <Avg> Latency(us) [...]" and rows of
// size and microseconds. OSU does not print the rank count: --ranks is required (and --nodes
// for the tier). Sizes are converted to the nccl-tests convention of patterns/collective.hpp:
// OSU's all-gather and all-to-all sizes are per rank (per peer), so they are multiplied by the
// rank count; all-reduce, reduce-scatter and broadcast sizes are the buffer already.
// Bandwidth tests (osu_bw, osu_bibw) report MB/s over a window of messages, not a time per
// message: they are refused.

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "fit/csv_table.hpp"
#include "fit/importers/import.hpp"
#include "patterns/collective.hpp"

namespace meshbench::fit {

ImportedTable import_osu(const std::filesystem::path& file, const ImportOptions& o) {
  std::ifstream in(file);
  if (!in) throw InputError(fmt::format("{}: cannot open file", file.string()));
  ImportedTable table;
  table.format = "osu";
  table.source = file;
  static const std::regex kTitle(R"(#\s*OSU MPI[-\w]*\s+(.+?)\s+Test\s+(v\S+))");
  static const std::map<std::string, std::pair<std::string, bool>> kTests = {
      // OSU test name -> (op, size is per rank and must be multiplied by the rank count)
      {"Latency", {"ping_pong", false}},          {"Allreduce Latency", {"all_reduce", false}},
      {"Allgather Latency", {"all_gather", true}}, {"Reduce_scatter Latency", {"reduce_scatter", false}},
      {"All-to-All Personalized Exchange Latency", {"all_to_all", true}},
      {"Alltoall Latency", {"all_to_all", true}},  {"Broadcast Latency", {"broadcast", false}}};

  std::string op = o.op, test;
  bool per_rank = false;
  std::string line;
  std::smatch m;
  std::map<std::uint64_t, std::size_t> seen;
  struct Row { std::size_t line; double size, time; };
  std::vector<Row> rows;
  bool header = false;
  for (std::size_t n = 1; std::getline(in, line); ++n) {
    if (std::regex_search(line, m, kTitle)) {
      test = m[1];
      table.software = fmt::format("OSU micro-benchmarks {}", m[2].str());
      continue;
    }
    if (line.find("# Size") != std::string::npos || line.find("#Size") != std::string::npos) {
      if (line.find("MB/s") != std::string::npos) {
        throw InputError(fmt::format("{}:{}: an OSU bandwidth test (MB/s over a window of "
                                     "messages) is not a time per message: import osu_latency "
                                     "or a collective latency test instead", file.string(), n));
      }
      if (line.find("us") == std::string::npos) {
        throw InputError(fmt::format("{}:{}: latency column in unknown units: '{}'",
                                     file.string(), n, line));
      }
      header = true;
      continue;
    }
    if (line.empty() || line[0] == '#' || !header) continue;
    std::istringstream fields(line);
    std::string size_text, time_text;
    fields >> size_text >> time_text;
    char* end = nullptr;
    const double size = std::strtod(size_text.c_str(), &end);
    if (end != size_text.c_str() + size_text.size() || size < 0) {
      throw InputError(fmt::format("{}:{}: size: not a size: '{}'", file.string(), n, size_text));
    }
    const double time = std::strtod(time_text.c_str(), &end);
    if (time_text.empty() || end != time_text.c_str() + time_text.size() || !std::isfinite(time) ||
        time <= 0) {
      throw InputError(fmt::format("{}:{}: latency must be a number > 0 (us), got '{}'",
                                   file.string(), n, time_text));
    }
    if (const auto [it, fresh] = seen.emplace(static_cast<std::uint64_t>(size), n); !fresh) {
      throw InputError(fmt::format("{}:{}: size {} appears twice (lines {} and {})",
                                   file.string(), n, size, it->second, n));
    }
    rows.push_back({n, size, time});
  }
  if (!header) throw InputError(fmt::format("{}: no OSU '# Size' header", file.string()));
  if (op.empty()) {
    const auto it = kTests.find(test);
    if (it == kTests.end()) {
      throw InputError(fmt::format("{}: OSU test '{}' has no meshbench op; give --op",
                                   file.string(), test));
    }
    op = it->second.first;
    per_rank = it->second.second;
  } else {
    per_rank = op == "all_gather" || op == "all_to_all";
  }
  const auto op_enum = parse_op(op);
  if (!op_enum) throw InputError(fmt::format("--op: unknown op '{}'", op));
  if (o.ranks < 1) {
    throw InputError(fmt::format("{}: OSU output does not give the rank count: pass --ranks "
                                 "(and --nodes)", file.string()));
  }
  const int nodes = std::max(1, o.nodes);
  std::vector<std::size_t> zero;
  for (const Row& r : rows) {
    if (r.size == 0) {
      zero.push_back(r.line);
      continue;
    }
    Measurement meas;
    meas.op = op;
    meas.dtype = "unknown";
    meas.ranks = op == "ping_pong" ? 2 : o.ranks;
    meas.nodes = nodes;
    meas.ranks_per_node = (meas.ranks + nodes - 1) / nodes;
    meas.tier = nodes > 1 ? "inter" : "intra";
    meas.group = "all";
    meas.bytes = static_cast<std::uint64_t>(per_rank ? r.size * o.ranks : r.size);
    meas.time_us = r.time;
    meas.busbw_factor = busbw_factor(*op_enum, meas.ranks);
    meas.line = r.line;
    table.measurements.push_back(meas);
  }
  if (!zero.empty()) {
    std::string list;
    for (std::size_t l : zero) list += fmt::format("{}{}", list.empty() ? "" : ", ", l);
    table.warnings.push_back(fmt::format("skipped line(s) {}: size 0", list));
  }
  if (table.measurements.empty()) throw InputError(fmt::format("{}: no data rows", file.string()));
  return table;
}

}  // namespace meshbench::fit
