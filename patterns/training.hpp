#pragma once
// How a model is trained: batch shape, precision, sequence parallelism, recomputation, ZeRO,
// DP buckets, virtual pipeline stages, and the parallel layout (mesh sizes). Megatron-LM's
// names and defaults where it has them.

#include <string>

#include "patterns/mesh.hpp"
#include "patterns/model_config.hpp"

namespace meshbench {

enum class Recompute { kNone, kSelective, kFull };
std::string recompute_name(Recompute r);
/// "none", "selective", "full"; throws ConfigError naming --recompute otherwise.
Recompute parse_recompute(const std::string& text);

/// Bounds of the training flags (and of the same columns of a published-runs file): they keep
/// every token, call and byte count of the traffic formulas (products of these with model
/// dimensions, bounded by model_limits) inside 64 bits.
inline constexpr long long kMaxSeqLength = 1LL << 24;
inline constexpr long long kMaxMicroBatch = 1LL << 20;
inline constexpr long long kMaxGlobalBatch = 1LL << 32;

struct TrainingConfig {
  long long seq_length = 2048;         ///< s (--seq-length)
  long long micro_batch_size = 1;      ///< b (--micro-batch-size)
  long long global_batch_size = 0;     ///< --global-batch-size; 0: b x dp (one micro-batch)
  int dtype_bytes = 2;                 ///< activations and parameters (bf16)
  bool sequence_parallel = false;      ///< --sequence-parallel (Korthikanti et al. 2022)
  Recompute recompute = Recompute::kNone;  ///< --recompute
  int zero_stage = 0;                  ///< --zero-stage 0..3 (3 = FSDP)
  double dp_bucket_bytes = 25.0 * (1 << 20);  ///< DDP bucket (PyTorch bucket_cap_mb = 25)
  int grad_reduce_bytes = 4;           ///< gradient reduction dtype (fp32 unless told bf16)
  int virtual_pipeline_stages = 1;     ///< v, interleaved 1F1B when > 1
};

/// The transformer layers of one pipeline stage by kind.
struct StageLayers {
  long long dense = 0;  ///< layers with a dense MLP
  long long moe = 0;    ///< MoE layers
  long long total() const { return dense + moe; }
};

/// Layers of stage `stage` (0-based) of `pp` equal stages with `vpp` model chunks each, counted
/// by kind: chunk c holds layers [c L/(pp vpp), (c+1) L/(pp vpp)) and stage s the chunks s,
/// s + pp, ... (Megatron's interleaved assignment; vpp = 1: one contiguous block). DeepSeek's
/// first_k_dense_replace puts its dense layers on stage 0. Expects pp x vpp to divide the
/// layers (validate_step checks it).
StageLayers stage_layers(const ModelConfig& model, int pp, int vpp, int stage);

/// Quantities of one step that every axis uses, after validation.
struct StepShape {
  long long micro_batches = 1;     ///< m = global / (b x dp)
  long long layers_per_stage = 1;  ///< L / pp
  long long seq_per_rank = 1;      ///< s / cp
  /// The stage the traffic rows describe: the one with the most MoE layers (the busiest EP
  /// stage), the lowest such index; stage 0 for a dense model.
  int stage = 0;
  StageLayers stage_layers;        ///< that stage's layers by kind
};

/// Checks that the layout fits the model and the training config and derives the step shape.
/// Throws ConfigError naming the flag or field and the values: Megatron-Core's tensor-parallel
/// rules (tensor_parallel_violation: heads, KV heads, MLP widths % tp),
/// layers % (pp x vpp), seq % (2 cp) when cp > 1 (load-balanced ring attention), global batch %
/// (micro x dp), experts % ep (ep > 1 needs a MoE model), zero stage 0..3, vpp > 1 needs pp > 1
/// and micro-batches % pp, bucket and byte sizes > 0.
StepShape validate_step(const ModelConfig& model, const TrainingConfig& train,
                        const MeshSizes& layout);

}  // namespace meshbench
