#include "patterns/training_flags.hpp"

#include <fmt/format.h>

#include "patterns/units.hpp"

namespace meshbench {
namespace {

int dtype_size(const char* flag, const std::string& name) {
  if (name == "bf16" || name == "fp16") return 2;
  if (name == "fp32") return 4;
  throw ConfigError(fmt::format("{}: unknown dtype '{}' (bf16, fp16 or fp32)", flag, name));
}

}  // namespace

void add_training_flags(CLI::App* cmd, TrainingOptions& o, bool with_layout) {
  cmd->add_option("--model", o.model,
                  "Preset (gpt3-175b, llama3-8b, llama3-70b, llama3-405b, mixtral-8x7b, gpt-1.7b "
                  "... gpt-1t) or a Hugging Face config.json")
      ->required();
  cmd->add_option("--model-type", o.model_type,
                  "Read the config.json as this Hugging Face model_type (llama, qwen2_moe, "
                  "deepseek_v3, falcon, ...) instead of the one it names");
  if (with_layout) {
    cmd->add_option("--layout", o.layout, "Parallel layout, e.g. tp=8,pp=4,dp=2[,cp=..,ep=..]")
        ->required();
  }
  cmd->add_option("--seq-length", o.seq_length, "Sequence length")->capture_default_str();
  cmd->add_option("--micro-batch-size", o.micro_batch_size, "Micro-batch size")
      ->capture_default_str();
  cmd->add_option("--global-batch-size", o.global_batch_size,
                  "Global batch size (default: micro-batch-size x dp, one micro-batch)");
  cmd->add_flag("--sequence-parallel", o.sequence_parallel, "Megatron sequence parallelism");
  cmd->add_option("--recompute", o.recompute, "Activation recomputation: none, selective, full")
      ->capture_default_str();
  cmd->add_option("--zero-stage", o.zero_stage, "ZeRO stage 0-3 (3 = FSDP)")->capture_default_str();
  cmd->add_option("--dp-bucket-size", o.dp_bucket_size, "Gradient bucket (K/M/G suffixes)")
      ->capture_default_str();
  cmd->add_option("--grad-reduce-dtype", o.grad_reduce_dtype, "fp32 or bf16")
      ->capture_default_str();
  cmd->add_option("--dtype", o.dtype, "Activation and parameter dtype: bf16, fp16, fp32")
      ->capture_default_str();
  cmd->add_option("--fp8-format", o.fp8_format,
                  "Transformer Engine fp8 for the linear layers: e4m3 or hybrid (default: none, bf16)")
      ->check(CLI::IsMember({"e4m3", "hybrid"}));
  cmd->add_option("--virtual-pipeline-stages", o.virtual_pipeline_stages,
                  "Interleaved 1F1B chunks per stage")
      ->capture_default_str();
  cmd->add_option("--decoder-first-pipeline-num-layers", o.first_stage_layers,
                  "Transformer layers of the first pipeline stage (Megatron-Core; default: even)");
  cmd->add_option("--decoder-last-pipeline-num-layers", o.last_stage_layers,
                  "Transformer layers of the last pipeline stage (Megatron-Core; default: even)");
  cmd->add_flag("--account-for-embedding-in-pipeline-split", o.embedding_in_split,
                "The input embedding counts as one layer in the pipeline split (first stage)");
  cmd->add_flag("--account-for-loss-in-pipeline-split", o.loss_in_split,
                "The output layer and loss count as one layer in the pipeline split (last stage)");
}

TrainingConfig to_training_config(const TrainingOptions& o) {
  TrainingConfig t;
  t.seq_length = o.seq_length;
  t.micro_batch_size = o.micro_batch_size;
  t.global_batch_size = o.global_batch_size;
  t.sequence_parallel = o.sequence_parallel;
  t.recompute = parse_recompute(o.recompute);
  t.zero_stage = o.zero_stage;
  try {
    t.dp_bucket_bytes = static_cast<double>(parse_bytes(o.dp_bucket_size));
  } catch (const SizeParseError& e) {
    throw ConfigError(fmt::format("--dp-bucket-size: {}", e.what()));
  }
  t.grad_reduce_bytes = dtype_size("--grad-reduce-dtype", o.grad_reduce_dtype);
  t.dtype_bytes = dtype_size("--dtype", o.dtype);
  t.virtual_pipeline_stages = o.virtual_pipeline_stages;
  t.fp8 = !o.fp8_format.empty();
  t.first_stage_layers = o.first_stage_layers;
  t.last_stage_layers = o.last_stage_layers;
  t.embedding_in_split = o.embedding_in_split;
  t.loss_in_split = o.loss_in_split;
  return t;
}

TrafficInputs to_traffic_inputs(const TrainingOptions& o) {
  try {
    return make_traffic_inputs(load_model(o.model, o.model_type), to_training_config(o),
                               parse_mesh_sizes(o.layout, "--layout"));
  } catch (const MeshError& e) {
    throw ConfigError(e.what());
  }
}

}  // namespace meshbench
