#pragma once
// The plan next to what the cluster measured: per axis, the communication time per step that
// meshplan predicts for a layout against what `meshbench pattern` measured for the same layout
// and traffic (pattern.csv).

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fit/plan/estimate.hpp"
#include "patterns/traffic.hpp"

namespace meshbench::plan {

/// One axis: the plan's communication time per step (all of the axis's traffic, before any
/// overlap: StepEstimate's tp_total_s, pp_s, dp_total_s, zero_s, cp_total_s, ep_s) and the sum
/// of the pattern's step_time_us_p50 over the axis's units, in microseconds.
struct AxisComparison {
  std::string axis;
  double predicted_us = 0, measured_us = 0;
  double ratio() const { return measured_us > 0 ? predicted_us / measured_us : 0; }
};

/// Reads `pattern_csv` (meshbench pattern's pattern.csv) and compares it with the plan of `in`
/// (estimate `e`), axis by axis, in the order the CSV lists them. The CSV must be of the same
/// layout (its `mesh` column), Megatron order and ranks per node (the plan's --gpus-per-node),
/// unscaled (`scale` 1); every row must be one of the plan's traffic rows, once (axis, op,
/// executed bytes and calls per step; pp's rows are one 1f1b unit), and every axis it holds must
/// hold all of its rows: otherwise it measured another model, training flags, layout or
/// placement, or part of an axis, and InputError names the file, line and what differs.
std::vector<AxisComparison> compare_with_pattern(const std::filesystem::path& pattern_csv,
                                                 const TrafficInputs& in, const StepEstimate& e);

/// [{axis, predicted_us, measured_us, ratio}] for the plan's JSON.
nlohmann::json comparison_json(const std::vector<AxisComparison>& rows);

}  // namespace meshbench::plan
