#include "fit/importers/nccl_tests_names.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <map>

#include "fit/csv_table.hpp"
#include "fit/importers/log_text.hpp"
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

}  // namespace

namespace {

/// The interval of busbw/algbw the rows allow, given each column's printed rounding.
std::pair<double, double> factor_interval(const std::vector<NcclRow>& rows) {
  double lo = 0, hi = std::numeric_limits<double>::infinity();
  for (const NcclRow& r : rows) {
    const double ua = 0.5 * std::pow(10.0, -r.algbw_decimals), ub = 0.5 * std::pow(10.0, -r.busbw_decimals);
    if (r.size_bytes == 0 || r.algbw_GBps - ua <= 0) continue;
    lo = std::max(lo, (r.busbw_GBps - ub) / (r.algbw_GBps + ua));
    hi = std::min(hi, (r.busbw_GBps + ub) / (r.algbw_GBps - ua));
  }
  return {lo, hi};
}

/// The rank counts n >= 2 whose busbw factor for `op` lies in the rows' interval, as a range
/// [lo, hi] (hi = 0: none fits; hi = INT_MAX: unbounded).
std::pair<int, int> factor_rank_range(const std::vector<NcclRow>& rows, CollectiveOp op) {
  const auto [lo, hi] = factor_interval(rows);
  int first = 0, last = 0;
  for (int n = 2; n <= 1 << 20; ++n) {
    const double f = busbw_factor(op, n);
    if (f > hi) break;
    if (f >= lo) {
      if (first == 0) first = n;
      last = n;
    }
    if (n > 4096 && f >= lo) return {first, std::numeric_limits<int>::max()};
  }
  return {first, last};
}

/// The one rank count the rows' busbw/algbw allows, if exactly one does.
std::optional<int> ranks_from_factor(const std::vector<NcclRow>& rows, CollectiveOp op) {
  const auto [lo, hi] = factor_rank_range(rows, op);
  if (lo > 0 && lo == hi) return lo;
  return std::nullopt;
}

/// size / (count x element size) of the first row with elements: 1 or the rank count.
std::optional<double> size_per_count(const std::vector<NcclRow>& rows) {
  for (const NcclRow& r : rows) {
    const double eb = static_cast<double>(nccl_type_bytes(r.type));
    if (r.count > 0 && eb > 0) return r.size_bytes / (r.count * eb);
  }
  return std::nullopt;
}

}  // namespace

NcclIdentity identify_nccl_table(const std::string& where, const std::vector<NcclRow>& rows,
                                 bool has_redop, bool has_root, const std::string& program,
                                 int listed_ranks, int threads_x_gpus, const ImportOptions& o) {
  NcclIdentity id;
  const auto ratio = size_per_count(rows);
  const bool reduction = has_redop && rows.front().redop != "none" && !rows.front().redop.empty();
  const bool rooted = has_root && rows.front().root.value_or(-1) >= 0;
  const bool n_ratio = ratio && *ratio > 1.5;
  std::vector<std::string> candidates;
  const auto from_program = program.empty() ? std::nullopt : op_of_nccl_program(program);
  if (!program.empty() && !from_program) {
    // reduce_perf, gather_perf, ...: no --op makes them one of meshbench's collectives.
    throw InputError(fmt::format("{}: {} has no meshbench op (supported: all_reduce, "
                                 "all_gather, reduce_scatter, alltoall, broadcast, sendrecv)",
                                 where, program));
  }
  if (!o.op.empty() && from_program && *from_program != o.op) {
    throw InputError(fmt::format("{}: the program {} says {}, --op says {}", where, program,
                                 *from_program, o.op));
  }
  if (!o.op.empty()) {
    candidates = {o.op};
    id.notes.push_back(fmt::format("{}: op {} (--op)", where, o.op));
  } else if (from_program) {
    candidates = {*from_program};
    id.notes.push_back(fmt::format("{}: op {} from the program name {}", where, *from_program, program));
  } else if (!ratio) {
    throw InputError(fmt::format("{}: no row with elements to tell the collective from; give --op", where));
  } else if (reduction && !rooted && !n_ratio) {
    candidates = {"all_reduce", "send_recv"};
  } else if (reduction && !rooted) {
    candidates = {"reduce_scatter"};
  } else if (has_redop && !reduction && !rooted && n_ratio) {
    throw InputError(fmt::format("{}: redop none and size = count x element size x {:.0f}: "
                                 "all_gather or alltoall, which print the same columns; give --op",
                                 where, *ratio));
  } else if (has_redop && !reduction && rooted && !n_ratio) {
    candidates = {"broadcast"};
  } else if (!has_redop && n_ratio) {
    throw InputError(fmt::format("{}: no redop column and size = count x element size x {:.0f}: "
                                 "all_gather, alltoall or reduce_scatter; give --op", where, *ratio));
  } else {
    throw InputError(fmt::format("{}: the columns (redop {}, root {}, size / count {}) name no "
                                 "collective meshbench has; give --op", where,
                                 has_redop ? rows.front().redop : "absent",
                                 has_root ? std::to_string(rows.front().root.value_or(-1)) : "absent",
                                 ratio ? fmt::format("{:.4g}", *ratio) : "?"));
  }
  // The rank count.
  auto op_of = [&](const std::string& name) {
    const auto op = parse_op(name);
    if (!op) throw InputError(fmt::format("{}: unknown op '{}'", where, name));
    return *op;
  };
  if (o.ranks > 0) {
    id.ranks = o.ranks;
    id.notes.push_back(fmt::format("{}: {} ranks (--ranks)", where, o.ranks));
  }
  if (candidates.size() == 2) {
    // all_reduce or sendrecv: busbw = algbw for sendrecv at any n (and all_reduce at n = 2).
    const int n = id.ranks > 0 ? id.ranks : listed_ranks;
    // Only a ratio the rows pin tells them apart: above 1 is all_reduce; 1, and below all_reduce's
    // 2(n-1)/n at a known n > 2, is sendrecv. Small sizes print 0.00 and pin nothing.
    const auto [lo, hi] = factor_interval(rows);
    if (lo > 1) {
      candidates = {"all_reduce"};
    } else if (n > 2 && lo <= 1 && 1 <= hi && hi < busbw_factor(CollectiveOp::kAllReduce, n)) {
      candidates = {"send_recv"};
    } else {
      throw InputError(fmt::format("{}: a reduction of count x element size with busbw = algbw: "
                                   "all_reduce on 2 ranks or sendrecv; give --op", where));
    }
    id.notes.push_back(fmt::format("{}: op {} from the columns (redop {}, busbw/algbw)", where,
                                   candidates[0], rows.front().redop));
  } else if (o.op.empty() && program.empty()) {
    id.notes.push_back(fmt::format("{}: op {} from the columns (redop {}, size = count x element "
                                   "size{})", where, candidates[0],
                                   has_redop ? rows.front().redop : "absent",
                                   n_ratio ? fmt::format(" x {:.0f}", *ratio) : ""));
  }
  id.op = candidates[0];
  const CollectiveOp op = op_of(id.op);
  if (id.ranks > 0) return id;
  // busbw / algbw depends on n for these ops (op_traits(op).busbw): the ratio tells n.
  const bool factor_tells = op_traits(op).busbw != BusbwRule::kOne;
  if (const auto n = factor_tells ? ranks_from_factor(rows, op) : std::nullopt) {
    id.ranks = *n;
    if (listed_ranks > 0 && listed_ranks != *n) {
      id.notes.push_back(fmt::format("{}: {} ranks from busbw/algbw; {} rank lines listed", where,
                                     *n, listed_ranks));
    } else {
      id.notes.push_back(fmt::format("{}: {} ranks from busbw/algbw{}", where, *n,
                                     listed_ranks == *n ? " and the rank lines" : ""));
    }
  } else if (n_ratio && splits_into_blocks(op)) {
    id.ranks = static_cast<int>(std::lround(*ratio));
    id.notes.push_back(fmt::format("{}: {} ranks from size / count", where, id.ranks));
  } else if (listed_ranks > 0) {
    if (factor_tells) {
      // The rank lines must agree with what busbw/algbw allows, or they were trimmed.
      const auto [lo, hi] = factor_rank_range(rows, op);
      if (lo > 0 && (listed_ranks < lo || listed_ranks > hi)) {
        throw InputError(fmt::format(
            "{}: busbw/algbw allows {} to {} ranks, {} rank line(s) are listed (trimmed?); give "
            "--ranks", where, lo, hi == std::numeric_limits<int>::max() ? std::string("any number of") : std::to_string(hi),
            listed_ranks));
      }
    }
    id.ranks = listed_ranks;
    id.notes.push_back(fmt::format("{}: {} ranks from the rank lines", where, listed_ranks));
  } else if (threads_x_gpus > 0) {
    id.ranks = threads_x_gpus;
    id.notes.push_back(fmt::format("{}: {} ranks from nThread x nGpus of one process", where,
                                   threads_x_gpus));
  } else {
    throw InputError(fmt::format("{}: cannot tell the rank count (no rank lines, and busbw/algbw "
                                 "does not pin it); give --ranks", where));
  }
  return id;
}

void finish_nccl_rows(ImportedTable& table, const std::vector<NcclRow>& rows, const std::string& op,
                      int ranks, const std::vector<std::string>& rank_hosts, const std::string& origin) {
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

  // nccl-tests before 2.x computed all_gather's and reduce_scatter's algbw from the per-rank
  // size (size / ranks): recognised when every row with a readable bandwidth says so; the time
  // is what is fitted.
  bool per_rank_bw = false;
  if ((*op_enum == CollectiveOp::kAllGather || *op_enum == CollectiveOp::kReduceScatter) && ranks > 1) {
    int modern = 0, old = 0;
    for (const NcclRow& r : rows) {
      if (r.size_bytes == 0 || r.algbw_GBps < 0.05) continue;
      const double whole = r.size_bytes / r.time_us / 1e3, part = whole / ranks;
      modern += std::abs(r.algbw_GBps - whole) <= 0.011 + 0.03 * whole;
      old += std::abs(r.algbw_GBps - part) <= 0.011 + 0.03 * part;
    }
    per_rank_bw = old > 0 && modern == 0;
    if (per_rank_bw) {
      table.notes.push_back(fmt::format("{}: algbw = size / ranks / time (the pre-2.x all_gather and "
                                        "reduce_scatter convention): bandwidth columns not checked, times used",
                                        origin));
    }
  }
  std::map<double, std::size_t> seen;  // size -> line, in the current sweep
  double previous = -1;
  std::vector<std::size_t> zero_lines, wrong_lines;
  for (const NcclRow& r : rows) {
    const std::string where = fmt::format("{}:{}", table.source.string(), r.line);
    if (r.size_bytes == 0) {
      zero_lines.push_back(r.line);
      continue;
    }
    if (r.wrong > 0) {
      wrong_lines.push_back(r.line);
      continue;
    }
    if (!(std::isfinite(r.time_us) && r.time_us > 0)) {
      throw InputError(fmt::format("{}: time must be a number > 0 (us), got {}", where, r.time_us));
    }
    // nccl-tests prints algbw and busbw with 2 decimals (fewer when wide): allow that rounding.
    const double algbw = r.size_bytes / r.time_us / 1e3;
    if (!per_rank_bw && std::abs(r.algbw_GBps - algbw) > 0.011 + 0.03 * algbw) {
      throw InputError(fmt::format(
          "{}: algbw {} GB/s but size/time = {:.4g} GB/s: columns in other units or out of "
          "order?", where, r.algbw_GBps, algbw));
    }
    // Both columns are rounded to 0.01: algbw's rounding grows by the factor.
    if (!per_rank_bw &&
        std::abs(r.busbw_GBps - r.algbw_GBps * factor) > 0.006 * (1 + factor) + 0.03 * r.busbw_GBps) {
      throw InputError(fmt::format(
          "{}: busbw {} GB/s is not algbw {} x {:.4g}, the {} factor for {} ranks: wrong op or "
          "rank count (--op, --ranks)?", where, r.busbw_GBps, r.algbw_GBps, factor, op, ranks));
    }
    // A size may come back only when a new sweep starts (-N cycles: sizes fall back).
    if (r.size_bytes < previous) seen.clear();
    previous = r.size_bytes;
    if (const auto [it, fresh] = seen.emplace(r.size_bytes, r.line); !fresh) {
      throw InputError(fmt::format("{}: size {} appears twice (lines {} and {})", where,
                                   r.size_bytes, it->second, r.line));
    }
    Measurement m;
    m.op = op;
    m.library = "nccl";  // nccl-tests and rccl-tests run NCCL's (or RCCL's) collectives
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
    m.origin = origin;
    table.measurements.push_back(std::move(m));
  }
  if (!zero_lines.empty()) {
    table.warnings.push_back(fmt::format("skipped line(s) {}: size 0 (fewer elements than ranks)",
                                         line_list(zero_lines)));
  }
  if (!wrong_lines.empty()) {
    table.warnings.push_back(fmt::format("skipped line(s) {}: #wrong > 0 (nccl-tests found wrong "
                                         "results there: the run failed, not a timing)",
                                         line_list(wrong_lines)));
  }
  if (table.measurements.empty()) {
    throw InputError(fmt::format("{}: no data rows", table.source.string()));
  }
}

}  // namespace meshbench::fit
