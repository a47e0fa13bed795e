#include "fit/sweep_results.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "fit/csv_table.hpp"
#include "patterns/collective.hpp"

namespace meshbench::fit {
namespace {

std::uint64_t positive_integer(const CsvTable& t, const CsvRow& row, std::size_t col) {
  const double v = parse_number(t, row, col);
  if (v < 1 || v != std::floor(v) || v > 9.0e15) {
    throw InputError(fmt::format("{}: column '{}': expected a positive integer, got '{}'",
                                 t.where(row), t.header()[col], row.fields[col]));
  }
  return static_cast<std::uint64_t>(v);
}

}  // namespace

bool aggregate_group(const std::string& group) {
  return group == "all" || group == "world" || group.find("[all]@") != std::string::npos;
}

std::vector<Measurement> read_sweep_results(const std::filesystem::path& file,
                                            const std::string& time_column) {
  const CsvTable t = CsvTable::read(file);
  const std::size_t c_op = t.column("op"), c_dtype = t.column("dtype"), c_ranks = t.column("ranks"),
                    c_group = t.column("group"), c_bytes = t.column("bytes"),
                    c_time = t.column(time_column), c_factor = t.column("busbw_factor");
  const auto c_rep = t.find_column("repetition");
  // Mesh runs (results/README.md): the same group index exists under each axis, order and
  // isolation, so they name the series too.
  const auto c_axis = t.find_column("axis"), c_order = t.find_column("order"),
             c_isolate = t.find_column("isolate");
  const auto c_tier = t.find_column("tier"), c_k = t.find_column("group_nodes"),
             c_g = t.find_column("group_ranks_per_node"), c_nodes = t.find_column("nodes"),
             c_rpn = t.find_column("ranks_per_node");
  const auto c_backend = t.find_column("backend");
  std::vector<Measurement> out;
  std::set<std::tuple<std::string, std::string, int, std::string, std::uint64_t, std::string>> seen;
  for (const CsvRow& row : t.rows()) {
    Measurement m;
    m.op = row.fields[c_op];
    if (!parse_op(m.op)) {
      throw InputError(fmt::format("{}: column 'op': unknown op '{}'", t.where(row), m.op));
    }
    m.dtype = row.fields[c_dtype];
    m.ranks = static_cast<int>(positive_integer(t, row, c_ranks));
    m.group = row.fields[c_group];
    const bool mesh_row = c_axis && c_order && c_isolate && row.fields[*c_axis] != "world";
    if (mesh_row) {
      m.group = fmt::format("{}[{}]@{}{}", row.fields[*c_axis], m.group, row.fields[*c_order],
                            row.fields[*c_isolate] == "1" ? " isolated" : "");
    }
    m.bytes = positive_integer(t, row, c_bytes);
    if (c_tier && c_k && c_g) {
      m.tier = row.fields[*c_tier];
      m.nodes = static_cast<int>(positive_integer(t, row, *c_k));
      m.ranks_per_node = static_cast<int>(positive_integer(t, row, *c_g));
    } else if (c_nodes && c_rpn) {  // files from before mesh runs: the group is the job
      m.nodes = static_cast<int>(positive_integer(t, row, *c_nodes));
      m.ranks_per_node = static_cast<int>(positive_integer(t, row, *c_rpn));
      m.tier = m.nodes > 1 ? "inter" : "intra";
    }
    if (mesh_row && row.fields[*c_isolate] != "1" && c_rpn) {
      // All groups at once: each node's ranks are split among job_rpn / g of them.
      m.concurrent_groups = std::max<int>(
          1, static_cast<int>(positive_integer(t, row, *c_rpn)) / std::max(1, m.ranks_per_node));
    }
    m.time_us = parse_number(t, row, c_time);
    if (!(m.time_us > 0)) {
      throw InputError(fmt::format("{}: column '{}': time must be > 0, got '{}'", t.where(row),
                                   time_column, row.fields[c_time]));
    }
    m.busbw_factor = parse_number(t, row, c_factor);
    if (c_backend) {
      const std::string& backend = row.fields[*c_backend];
      if (!backend.empty() && backend != "mpi" && backend != "nccl") {
        throw InputError(fmt::format("{}: column 'backend': expected mpi, nccl or nothing, got "
                                     "'{}'", t.where(row), backend));
      }
      m.library = backend;
    }
    m.line = row.line;
    const std::string rep = c_rep ? row.fields[*c_rep] : "0";
    if (!seen.emplace(m.op, m.dtype, m.ranks, m.group, m.bytes, rep).second) {
      throw InputError(fmt::format("{}: duplicate row for {} {} ranks={} group={} bytes={} "
                                   "repetition={}",
                                   t.where(row), m.op, m.dtype, m.ranks, m.group, m.bytes, rep));
    }
    out.push_back(std::move(m));
  }
  if (out.empty()) throw InputError(fmt::format("{}: no data rows", file.string()));
  return out;
}

}  // namespace meshbench::fit
