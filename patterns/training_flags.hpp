#pragma once
// The model and training flags every command that takes a model shares (meshbench traffic and
// pattern, meshplan), with Megatron-LM's spellings.

#include <CLI/CLI.hpp>

#include <string>

#include "patterns/traffic.hpp"

namespace meshbench {

/// The model and training flags, spelled as Megatron-LM spells them.
struct TrainingOptions {
  std::string model;                 ///< preset name or config.json path
  std::string model_type;            ///< --model-type: architecture to read the config.json as
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
  std::string fp8_format;            ///< --fp8-format: e4m3 or hybrid (empty: no fp8)
  int virtual_pipeline_stages = 1;
  long long first_stage_layers = 0;  ///< --decoder-first-pipeline-num-layers
  long long last_stage_layers = 0;   ///< --decoder-last-pipeline-num-layers
  bool embedding_in_split = false;   ///< --account-for-embedding-in-pipeline-split
  bool loss_in_split = false;        ///< --account-for-loss-in-pipeline-split
};

/// Adds --model, --layout (unless `with_layout` is false: the layout search) and the training
/// flags to `cmd`.
void add_training_flags(CLI::App* cmd, TrainingOptions& o, bool with_layout = true);

/// The training config of the flags (not yet checked against a layout). Throws ConfigError.
TrainingConfig to_training_config(const TrainingOptions& o);

/// Loads the model, parses and validates everything. Throws ConfigError naming the flag or the
/// config.json field and the value.
TrafficInputs to_traffic_inputs(const TrainingOptions& o);

}  // namespace meshbench
