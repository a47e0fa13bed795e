#include "fit/plan/measured.hpp"

#include <fmt/format.h>

#include <cmath>
#include <map>

#include "fit/csv_table.hpp"

namespace meshbench::plan {
namespace {

/// The plan's seconds per step of `axis`, before overlap.
double predicted_s(const StepEstimate& e, const std::string& axis) {
  if (axis == "tp") return e.tp_total_s;
  if (axis == "pp") return e.pp_s;
  if (axis == "dp") return e.dp_total_s;
  if (axis == "zero") return e.zero_s;
  if (axis == "cp") return e.cp_total_s;
  if (axis == "ep") return e.ep_s;
  return -1;
}

/// Whether the CSV row (axis, op, bytes, calls) is one of the plan's traffic rows as pattern
/// executes it. pp's fwd and bwd rows are one 1f1b unit with the forward row's sizes.
bool in_traffic(const std::vector<TrafficRow>& rows, const std::string& axis,
                const std::string& op, std::uint64_t bytes, long long calls) {
  for (const TrafficRow& r : rows) {
    if (r.axis != axis || op_name(r.op) != op || (axis == "pp" && r.phase == "bwd")) continue;
    if (executed_counts(r, 1.0).size_bytes == bytes && r.calls_per_step == calls) return true;
  }
  return false;
}

}  // namespace

std::vector<AxisComparison> compare_with_pattern(const std::filesystem::path& pattern_csv,
                                                 const TrafficInputs& in, const StepEstimate& e) {
  const fit::CsvTable t = fit::CsvTable::read(pattern_csv);
  const std::size_t c_mesh = t.column("mesh"), c_axis = t.column("axis"), c_op = t.column("op"),
                    c_bytes = t.column("bytes"), c_calls = t.column("calls_per_step"),
                    c_scale = t.column("scale"), c_step = t.column("step_time_us_p50");
  const std::vector<TrafficRow> traffic = step_traffic(in);
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
    const std::string axis = row.fields[c_axis], op = row.fields[c_op];
    const auto bytes = static_cast<std::uint64_t>(
        checked_integer(fit::parse_number(t, row, c_bytes), 1, 1LL << 50, where + ": column 'bytes'"));
    const long long calls =
        checked_integer(fit::parse_number(t, row, c_calls), 1, 1LL << 40, where + ": column 'calls_per_step'");
    if (predicted_s(e, axis) < 0) {
      throw InputError(fmt::format("{}: column 'axis': unknown axis '{}'", where, axis));
    }
    if (!in_traffic(traffic, axis, op, bytes, calls)) {
      throw InputError(fmt::format("{}: {} {} of {} B x {} per step is not in the plan's traffic "
                                   "for {}: a pattern run of another model or training flags",
                                   where, axis, op, bytes, calls, in.model.name));
    }
    const double step_us = fit::parse_number(t, row, c_step);
    if (!index.count(axis)) {
      index[axis] = out.size();
      out.push_back({axis, predicted_s(e, axis) * 1e6, 0});
    }
    out[index[axis]].measured_us += step_us;
  }
  if (out.empty()) throw InputError(fmt::format("{}: no rows", pattern_csv.string()));
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
