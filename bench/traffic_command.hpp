#pragma once
// `meshbench traffic`: the per-step traffic table of a model under a layout (no measurement),
// and the model and training flags that `meshbench pattern` shares.

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "patterns/traffic.hpp"

namespace meshbench {

/// The model and training flags, spelled as Megatron-LM spells them.
struct TrainingOptions {
  std::string model;                 ///< preset name or config.json path
  std::string layout;                ///< tp=8,pp=4,dp=2[,cp=..,ep=..]
  long long seq_length = 2048;
  long long micro_batch_size = 1;
  long long global_batch_size = 0;   ///< 0: micro-batch-size x dp
  bool sequence_parallel = false;
  std::string recompute = "none";
  int zero_stage = 0;
  std::string dp_bucket_size = "25M";
  std::string grad_reduce_dtype = "fp32";
  std::string dtype = "bf16";
  int virtual_pipeline_stages = 1;
};

/// Adds --model, --layout and the training flags to `cmd`.
void add_training_flags(CLI::App* cmd, TrainingOptions& o);

/// Loads the model, parses and validates everything. Throws UsageError naming the flag or the
/// config.json field and the value.
TrafficInputs to_traffic_inputs(const TrainingOptions& o);

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
