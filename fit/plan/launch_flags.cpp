#include "fit/plan/launch_flags.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace meshbench::plan {
namespace {

long long global_batch(const TrafficInputs& in) {
  return in.shape.micro_batches * in.train.micro_batch_size * in.layout[MeshAxis::kDp];
}

/// torchtitan's pipeline_parallel_split_points for an uneven split: the first layer of every
/// model chunk after the first ("layers.7", ...); empty for an even split (its default).
std::string split_points_toml(const TrafficInputs& in) {
  const PipelineSplit& split = in.shape.split;
  if (!in.train.uneven_pipeline()) return "";
  std::string points;
  for (std::size_t c = 1; c < split.chunk_begin.size(); ++c) {
    points += fmt::format("{}\"layers.{}\"", points.empty() ? "" : ", ", split.chunk_begin[c]);
  }
  return fmt::format("pipeline_parallel_split_points = [{}]\n", points);
}

}  // namespace

std::string megatron_args(const TrafficInputs& in) {
  const auto& l = in.layout;
  const auto& t = in.train;
  std::string s = fmt::format(
      "--tensor-model-parallel-size {} --pipeline-model-parallel-size {} --context-parallel-size "
      "{} --expert-model-parallel-size {} --micro-batch-size {} --global-batch-size {} "
      "--seq-length {}",
      l[MeshAxis::kTp], l[MeshAxis::kPp], l[MeshAxis::kCp], l[MeshAxis::kEp], t.micro_batch_size,
      global_batch(in), t.seq_length);
  if (t.virtual_pipeline_stages > 1 && t.uneven_pipeline()) {
    s += fmt::format(" --num-virtual-stages-per-pipeline-rank {}", t.virtual_pipeline_stages);
  } else if (t.virtual_pipeline_stages > 1) {
    s += fmt::format(" --num-layers-per-virtual-pipeline-stage {}",
                     in.model.num_layers / (l[MeshAxis::kPp] * t.virtual_pipeline_stages));
  }
  if (t.first_stage_layers > 0) s += fmt::format(" --decoder-first-pipeline-num-layers {}", t.first_stage_layers);
  if (t.last_stage_layers > 0) s += fmt::format(" --decoder-last-pipeline-num-layers {}", t.last_stage_layers);
  if (t.embedding_in_split) s += " --account-for-embedding-in-pipeline-split";
  if (t.loss_in_split) s += " --account-for-loss-in-pipeline-split";
  if (t.sequence_parallel) s += " --sequence-parallel";
  if (t.recompute == Recompute::kSelective) s += " --recompute-granularity selective";
  if (t.recompute == Recompute::kFull) {
    s += " --recompute-granularity full --recompute-method uniform --recompute-num-layers 1";
  }
  if (t.zero_stage >= 1) s += " --use-distributed-optimizer --overlap-grad-reduce --overlap-param-gather";
  if (t.zero_stage >= 2) s += "  # ZeRO-2/3: Megatron shards optimizer state only; use FSDP for more";
  return s + " --bf16";
}

std::string torchtitan_toml(const TrafficInputs& in) {
  const auto& l = in.layout;
  const auto& t = in.train;
  const bool shard = t.zero_stage >= 1;
  return fmt::format(
      "[parallelism]\ndata_parallel_replicate_degree = {}\ndata_parallel_shard_degree = {}\n"
      "tensor_parallel_degree = {}\npipeline_parallel_degree = {}\ncontext_parallel_degree = {}\n"
      "expert_parallel_degree = {}\n{}\n[training]\nlocal_batch_size = {}\nglobal_batch_size = {}\n"
      "seq_len = {}\n\n[activation_checkpoint]\nmode = \"{}\"\n",
      shard ? 1 : l[MeshAxis::kDp], shard ? l[MeshAxis::kDp] : 1, l[MeshAxis::kTp],
      l[MeshAxis::kPp], l[MeshAxis::kCp], l[MeshAxis::kEp], split_points_toml(in),
      t.micro_batch_size, global_batch(in), t.seq_length, recompute_name(t.recompute));
}

std::string deepspeed_json(const TrafficInputs& in) {
  const auto& t = in.train;
  nlohmann::json doc = {
      {"train_batch_size", global_batch(in)},
      {"train_micro_batch_size_per_gpu", t.micro_batch_size},
      {"gradient_accumulation_steps", in.shape.micro_batches},
      {"bf16", {{"enabled", true}}},
      {"zero_optimization", {{"stage", t.zero_stage}, {"overlap_comm", true},
                             {"reduce_bucket_size", t.dp_bucket_bytes}}},
      {"activation_checkpointing", {{"partition_activations", t.sequence_parallel},
                                    {"contiguous_memory_optimization", false}}},
      {"comment", fmt::format("Megatron-DeepSpeed: --tensor-model-parallel-size {} "
                              "--pipeline-model-parallel-size {}",
                              in.layout[MeshAxis::kTp], in.layout[MeshAxis::kPp])}};
  return doc.dump(2) + "\n";
}

}  // namespace meshbench::plan
