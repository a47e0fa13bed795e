#include "fit/plan/measured.hpp"

#include <fmt/format.h>

#include <cmath>
#include <map>

#include "fit/csv_table.hpp"

namespace meshbench::plan {
namespace {

/// Whether pattern runs traffic row `r` as a unit of its own (pp's fwd and bwd rows are one
/// 1f1b unit, listed with the forward row's sizes).
bool is_unit(const TrafficRow& r) { return !(r.axis == "pp" && r.phase == "bwd"); }

/// The phase pattern.csv gives the unit of row `r`.
std::string unit_phase(const TrafficRow& r) { return r.axis == "pp" ? "1f1b" : r.phase; }

/// The index of the first plan traffic row, not yet `matched`, that the CSV row (axis, phase,
/// op, executed bytes, calls per step) is; -1 when none.
int find_unit(const std::vector<TrafficRow>& rows, const std::vector<bool>& matched,
              const std::string& axis, const std::string& phase, const std::string& op,
              std::uint64_t bytes, long long calls) {
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const TrafficRow& r = rows[i];
    if (matched[i] || !is_unit(r) || r.axis != axis || unit_phase(r) != phase ||
        op_name(r.op) != op) {
      continue;
    }
    if (executed_counts(r, 1.0).size_bytes == bytes && r.calls_per_step == calls) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

}  // namespace

std::vector<AxisComparison> compare_with_pattern(const std::filesystem::path& pattern_csv,
                                                 const TrafficInputs& in, const StepEstimate& e) {
  const fit::CsvTable t = fit::CsvTable::read(pattern_csv);
  const std::size_t c_mesh = t.column("mesh"), c_axis = t.column("axis"), c_op = t.column("op"),
                    c_bytes = t.column("bytes"), c_calls = t.column("calls_per_step"),
                    c_scale = t.column("scale"), c_step = t.column("step_time_us_p50"),
                    c_order = t.column("order"), c_rpn = t.column("ranks_per_node"),
                    c_phase = t.column("phase");
  const std::vector<TrafficRow> traffic = step_traffic(in);
  std::vector<bool> matched(traffic.size(), false);
  const std::string layout = format_mesh_sizes(in.layout);
  std::vector<AxisComparison> out;
  std::map<std::string, std::size_t> index;
  for (const fit::CsvRow& row : t.rows()) {
    const std::string where = t.where(row);
    const std::string mesh = format_mesh_sizes(parse_mesh_sizes(row.fields[c_mesh], where + ": mesh"));
    if (mesh != layout) {
      throw InputError(fmt::format("{}: mesh {}, the plan's layout is {}: a pattern run of another "
                                   "layout", where, mesh, layout));
    }
    if (fit::parse_number(t, row, c_scale) != 1.0) {
      throw InputError(fmt::format("{}: scale {}: a scaled pattern run measures other sizes than "
                                   "the plan's (run meshbench pattern without --scale)", where,
                                   row.fields[c_scale]));
    }
    // The plan places groups in its --order on blocks of gpus_per_node ranks.
    MeshOrder order{};
    try {
      order = parse_mesh_order(row.fields[c_order]);
    } catch (const MeshError& err) {
      throw InputError(fmt::format("{}: column 'order': {}", where, err.what()));
    }
    if (order != in.order) {
      throw InputError(fmt::format("{}: order {}: the plan places ranks in order {} (give the "
                                   "pattern run's --order to meshplan plan)", where,
                                   row.fields[c_order], format_mesh_order(in.order)));
    }
    const long long rpn = checked_integer(fit::parse_number(t, row, c_rpn), 1, kMaxMeshRanks,
                                          where + ": column 'ranks_per_node'");
    if (rpn != e.gpus_per_node) {
      throw InputError(fmt::format("{}: ranks_per_node {}, the plan's --gpus-per-node is {}: "
                                   "another placement", where, rpn, e.gpus_per_node));
    }
    const std::string axis = row.fields[c_axis], op = row.fields[c_op];
    const auto bytes = static_cast<std::uint64_t>(
        checked_integer(fit::parse_number(t, row, c_bytes), 1, 1LL << 50, where + ": column 'bytes'"));
    const long long calls =
        checked_integer(fit::parse_number(t, row, c_calls), 1, 1LL << 40, where + ": column 'calls_per_step'");
    if (e.total_s(axis) < 0) {
      throw InputError(fmt::format("{}: column 'axis': unknown axis '{}'", where, axis));
    }
    const std::string phase = row.fields[c_phase];
    const int unit = find_unit(traffic, matched, axis, phase, op, bytes, calls);
    if (unit < 0) {
      throw InputError(fmt::format("{}: {} {} {} of {} B x {} per step is not in the plan's "
                                   "traffic for {} (or repeats a row): a pattern run of another "
                                   "model or training flags", where, axis, phase, op, bytes, calls,
                                   in.model.name));
    }
    matched[static_cast<std::size_t>(unit)] = true;
    const double step_us = fit::parse_number(t, row, c_step);
    if (!(step_us > 0)) {
      throw InputError(fmt::format("{}: column 'step_time_us_p50': expected a time > 0, got {}",
                                   where, row.fields[c_step]));
    }
    if (!index.count(axis)) {
      index[axis] = out.size();
      out.push_back({axis, e.total_s(axis) * 1e6, 0});
    }
    out[index[axis]].measured_us += step_us;
  }
  if (out.empty()) throw InputError(fmt::format("{}: no rows", pattern_csv.string()));
  // An axis the CSV measured must be there whole: a partial axis is not its step time.
  for (std::size_t i = 0; i < traffic.size(); ++i) {
    const TrafficRow& r = traffic[i];
    if (is_unit(r) && !matched[i] && index.count(r.axis)) {
      throw InputError(fmt::format("{}: axis {} lacks its {} {} row of {} B x {} per step: a "
                                   "partial run", pattern_csv.string(), r.axis, unit_phase(r),
                                   op_name(r.op), executed_counts(r, 1.0).size_bytes,
                                   r.calls_per_step));
    }
  }
  return out;
}

nlohmann::json comparison_json(const std::vector<AxisComparison>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const AxisComparison& r : rows) {
    out.push_back({{"axis", r.axis}, {"predicted_us", r.predicted_us},
                   {"measured_us", r.measured_us}, {"ratio", r.ratio()}});
  }
  return out;
}

}  // namespace meshbench::plan
