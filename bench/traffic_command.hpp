#pragma once
// `meshbench traffic`: the per-step traffic table of a model under a layout (no measurement),
// and the model and training flags that `meshbench pattern` shares.

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "patterns/training_flags.hpp"

namespace meshbench {

/// The traffic table as JSON: model (fields and where each came from), training, layout,
/// micro_batches, rows (axis, phase, op, bytes_per_call, calls_per_step, group_size,
/// group_axes, bytes_per_step, what) and totals per axis (bytes_per_step and wire_bytes_per_step
/// = bytes x the op's busbw factor).
nlohmann::json traffic_json(const TrafficInputs& in, const std::vector<TrafficRow>& rows);

struct TrafficCommandOptions {
  TrainingOptions training;
  std::string format = "text";
};

CLI::App* add_traffic_command(CLI::App& app, TrafficCommandOptions& o);

/// Prints the table (text or JSON) to stdout. Returns 0; throws UsageError on bad input.
int run_traffic(const TrafficCommandOptions& o);

}  // namespace meshbench
