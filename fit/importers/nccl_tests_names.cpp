#include "fit/importers/nccl_tests_names.hpp"

#include <fmt/format.h>

#include <cmath>
#include <map>

#include "fit/csv_table.hpp"
#include "patterns/collective.hpp"

namespace meshbench::fit {

std::optional<std::string> op_of_nccl_program(const std::string& program) {
  static const std::map<std::string, std::string> kOps = {
      {"all_reduce_perf", "all_reduce"},         {"all_gather_perf", "all_gather"},
      {"reduce_scatter_perf", "reduce_scatter"}, {"alltoall_perf", "all_to_all"},
      {"broadcast_perf", "broadcast"},           {"sendrecv_perf", "send_recv"}};
  const auto slash = program.find_last_of('/');
  const std::string base = slash == std::string::npos ? program : program.substr(slash + 1);
  const auto it = kOps.find(base);
  if (it == kOps.end()) return std::nullopt;
  return it->second;
}

std::size_t nccl_type_bytes(const std::string& type) {
  static const std::map<std::string, std::size_t> kBytes = {
      {"int8", 1},    {"uint8", 1},  {"char", 1},     {"int32", 4},    {"uint32", 4},
      {"int", 4},     {"int64", 8},  {"uint64", 8},   {"half", 2},     {"float16", 2},
      {"float", 4},   {"float32", 4}, {"double", 8},  {"float64", 8},  {"bfloat16", 2},
      {"f8e4m3", 1},  {"f8e5m2", 1}};
  const auto it = kBytes.find(type);
  return it == kBytes.end() ? 0 : it->second;
}

namespace {

/// meshbench's dtype names where they exist (float32, bf16), nccl-tests' otherwise.
std::string dtype_name(const std::string& type) {
  if (type == "float") return "float32";
  if (type == "bfloat16") return "bf16";
  return type;
}

std::string line_list(const std::vector<std::size_t>& lines) {
  std::string s;
  for (std::size_t l : lines) s += fmt::format("{}{}", s.empty() ? "" : ", ", l);
  return s;
}

}  // namespace

void finish_nccl_rows(ImportedTable& table, const std::vector<NcclRow>& rows, const std::string& op,
                      int ranks, const std::vector<std::string>& rank_hosts) {
  const auto op_enum = parse_op(op);
  if (!op_enum) throw InputError(fmt::format("{}: unknown op '{}'", table.source.string(), op));
  const double factor = busbw_factor(*op_enum, ranks);
  // Tier from the hosts of the ranks: k nodes, g = most ranks on one host.
  std::map<std::string, int> per_host;
  for (const auto& h : rank_hosts) {
    if (per_host.emplace(h, 0).second) table.hosts.push_back(h);
    ++per_host[h];
  }
  const int nodes = per_host.empty() ? 1 : static_cast<int>(per_host.size());
  int g = per_host.empty() ? ranks : 0;
  for (const auto& [h, n] : per_host) g = std::max(g, n);

  std::map<double, std::size_t> seen;  // size -> line
  std::vector<std::size_t> zero_lines;
  for (const NcclRow& r : rows) {
    const std::string where = fmt::format("{}:{}", table.source.string(), r.line);
    if (r.size_bytes == 0) {
      zero_lines.push_back(r.line);
      continue;
    }
    if (!(std::isfinite(r.time_us) && r.time_us > 0)) {
      throw InputError(fmt::format("{}: time must be a number > 0 (us), got {}", where, r.time_us));
    }
    // nccl-tests prints algbw and busbw with 2 decimals (fewer when wide): allow that rounding.
    const double algbw = r.size_bytes / r.time_us / 1e3;
    if (std::abs(r.algbw_GBps - algbw) > 0.011 + 0.03 * algbw) {
      throw InputError(fmt::format(
          "{}: algbw {} GB/s but size/time = {:.4g} GB/s: columns in other units or out of "
          "order?", where, r.algbw_GBps, algbw));
    }
    // Both columns are rounded to 0.01: algbw's rounding grows by the factor.
    if (std::abs(r.busbw_GBps - r.algbw_GBps * factor) > 0.006 * (1 + factor) + 0.03 * r.busbw_GBps) {
      throw InputError(fmt::format(
          "{}: busbw {} GB/s is not algbw {} x {:.4g}, the {} factor for {} ranks: wrong op or "
          "rank count (--op, --ranks)?", where, r.busbw_GBps, r.algbw_GBps, factor, op, ranks));
    }
    if (const auto [it, fresh] = seen.emplace(r.size_bytes, r.line); !fresh) {
      throw InputError(fmt::format("{}: size {} appears twice (lines {} and {})", where,
                                   r.size_bytes, it->second, r.line));
    }
    Measurement m;
    m.op = op;
    m.dtype = dtype_name(r.type);
    m.ranks = ranks;
    m.nodes = nodes;
    m.ranks_per_node = g;
    m.tier = nodes > 1 ? "inter" : "intra";
    m.group = "all";
    m.bytes = static_cast<std::uint64_t>(r.size_bytes);
    m.time_us = r.time_us;
    m.busbw_factor = factor;
    m.line = r.line;
    table.measurements.push_back(std::move(m));
  }
  if (!zero_lines.empty()) {
    table.warnings.push_back(fmt::format("skipped line(s) {}: size 0 (fewer elements than ranks)",
                                         line_list(zero_lines)));
  }
  if (table.measurements.empty()) {
    throw InputError(fmt::format("{}: no data rows", table.source.string()));
  }
}

}  // namespace meshbench::fit
