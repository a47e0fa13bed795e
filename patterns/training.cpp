#include "patterns/training.hpp"

#include <fmt/format.h>

namespace meshbench {

std::string recompute_name(Recompute r) {
  switch (r) {
    case Recompute::kNone: return "none";
    case Recompute::kSelective: return "selective";
    case Recompute::kFull: return "full";
  }
  return "?";
}

Recompute parse_recompute(const std::string& text) {
  for (Recompute r : {Recompute::kNone, Recompute::kSelective, Recompute::kFull}) {
    if (recompute_name(r) == text) return r;
  }
  throw ConfigError(fmt::format("--recompute: unknown mode '{}' (none, selective, full)", text));
}

StepShape validate_step(const ModelConfig& m, const TrainingConfig& t, const MeshSizes& l) {
  const int tp = l[MeshAxis::kTp], pp = l[MeshAxis::kPp], dp = l[MeshAxis::kDp],
            cp = l[MeshAxis::kCp], ep = l[MeshAxis::kEp], v = t.virtual_pipeline_stages;
  if (auto why = tensor_parallel_violation(m, tp, fmt::format("--layout tp={}", tp))) {
    throw ConfigError(*why);
  }
  if (v < 1) throw ConfigError(fmt::format("--virtual-pipeline-stages must be >= 1, got {}", v));
  if (v > 1 && pp < 2) {
    throw ConfigError(fmt::format("--virtual-pipeline-stages {} needs pp > 1", v));
  }
  if (m.num_layers % (static_cast<long long>(pp) * v) != 0) {
    throw ConfigError(fmt::format("--layout pp={} x vpp={}: num_layers {} of {} is not divisible "
                                  "by {}", pp, v, m.num_layers, m.name, pp * v));
  }
  // Bounds that keep every token, call and byte count of the traffic formulas (products of
  // these with config integers, themselves bounded by the reader) inside 64 bits.
  if (t.seq_length < 1 || t.seq_length > kMaxSeqLength) {
    throw ConfigError(fmt::format("--seq-length must be in [1, {}], got {}", kMaxSeqLength,
                                  t.seq_length));
  }
  if (cp > 1 && t.seq_length % (2LL * cp) != 0) {
    throw ConfigError(fmt::format("--layout cp={}: --seq-length {} is not divisible by 2 x cp = {} "
                                  "(load-balanced ring attention)", cp, t.seq_length, 2 * cp));
  }
  if (t.micro_batch_size < 1 || t.micro_batch_size > kMaxMicroBatch) {
    throw ConfigError(fmt::format("--micro-batch-size must be in [1, {}], got {}", kMaxMicroBatch,
                                  t.micro_batch_size));
  }
  if (t.global_batch_size < 0 || t.global_batch_size > kMaxGlobalBatch) {
    throw ConfigError(fmt::format("--global-batch-size must be in [1, {}], got {}", kMaxGlobalBatch,
                                  t.global_batch_size));
  }
  const long long per_step = static_cast<long long>(t.micro_batch_size) * dp;
  const long long global = t.global_batch_size == 0 ? per_step : t.global_batch_size;
  if (global < 1 || global % per_step != 0) {
    throw ConfigError(fmt::format("--global-batch-size {} is not a multiple of micro-batch-size "
                                  "{} x dp {}", global, t.micro_batch_size, dp));
  }
  StepShape shape;
  shape.micro_batches = global / per_step;
  if (v > 1 && shape.micro_batches % pp != 0) {
    throw ConfigError(fmt::format("interleaved schedule: {} micro-batches is not a multiple of "
                                  "pp {} (Megatron's requirement)", shape.micro_batches, pp));
  }
  if (ep > 1 && m.num_moe_layers() == 0) {
    throw ConfigError(fmt::format("--layout ep={}: {} has no experts (no MoE layer)", ep, m.name));
  }
  if (m.is_moe() && m.num_experts % ep != 0) {
    throw ConfigError(fmt::format("--layout ep={}: num_experts {} of {} is not divisible by ep",
                                  ep, m.num_experts, m.name));
  }
  if (t.zero_stage < 0 || t.zero_stage > 3) {
    throw ConfigError(fmt::format("--zero-stage must be 0, 1, 2 or 3, got {}", t.zero_stage));
  }
  if (!(t.dp_bucket_bytes > 0)) {
    throw ConfigError(fmt::format("--dp-bucket-size must be > 0, got {}", t.dp_bucket_bytes));
  }
  if (t.dtype_bytes < 1 || t.grad_reduce_bytes < 1) {
    throw ConfigError("dtype and gradient-reduce sizes must be >= 1 byte");
  }
  shape.layers_per_stage = m.num_layers / pp;
  shape.seq_per_rank = t.seq_length / cp;
  shape.stage_layers = stage_layers(m, pp, v, 0);
  for (int s = 1; s < pp && m.is_moe(); ++s) {
    const StageLayers here = stage_layers(m, pp, v, s);
    if (here.moe > shape.stage_layers.moe) {
      shape.stage = s;
      shape.stage_layers = here;
    }
  }
  return shape;
}

StageLayers stage_layers(const ModelConfig& m, int pp, int vpp, int stage) {
  StageLayers out;
  if (m.moe_layers.empty()) {
    (m.is_moe() ? out.moe : out.dense) = m.num_layers / pp;
    return out;
  }
  const long long chunk = m.num_layers / (static_cast<long long>(pp) * vpp);
  for (long long c = stage; c < static_cast<long long>(pp) * vpp; c += pp) {
    for (long long i = c * chunk; i < (c + 1) * chunk; ++i) (m.is_moe_layer(i) ? out.moe : out.dense)++;
  }
  return out;
}

}  // namespace meshbench
