#pragma once
// How a model is trained: batch shape, precision, sequence parallelism, recomputation, ZeRO,
// DP buckets, virtual pipeline stages, and the parallel layout (mesh sizes). Megatron-LM's
// names and defaults where it has them.

#include <string>
#include <vector>

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
  /// --fp8-format (e4m3, hybrid): Transformer Engine runs the transformer block's linear-layer
  /// GEMMs in fp8; attention, norms and the output layer stay bf16.
  bool fp8 = false;
  /// Uneven pipeline stages as Megatron-Core splits them: transformer layers of the first and
  /// of the last stage (--decoder-first/last-pipeline-num-layers; 0: the even share), and
  /// whether the input embedding and the loss count as one layer each in the split
  /// (--account-for-embedding/loss-in-pipeline-split).
  long long first_stage_layers = 0;
  long long last_stage_layers = 0;
  bool embedding_in_split = false;
  bool loss_in_split = false;
  /// True when any of the four above is set.
  bool uneven_pipeline() const {
    return first_stage_layers > 0 || last_stage_layers > 0 || embedding_in_split || loss_in_split;
  }
};

/// The transformer layers of one pipeline stage by kind.
struct StageLayers {
  long long dense = 0;  ///< layers with a dense MLP
  long long moe = 0;    ///< MoE layers
  long long total() const { return dense + moe; }
};

/// How the transformer layers are split over pp stages x vpp model chunks (Megatron-Core's
/// get_num_layers_to_build and get_transformer_layer_offset): chunk c (model order, 0-based)
/// holds layers [begin[c], begin[c] + layers[c]) and runs on stage c % pp (interleaved
/// assignment; vpp = 1: one contiguous block per stage).
///   even:          every chunk L / (pp vpp);
///   first / last:  the first stage first_stage_layers, the last last_stage_layers, the other
///                  stages the rest in equal shares, each stage's layers in vpp equal chunks;
///   embedding / loss in the split: (L + 1 + 1) / (pp vpp) per chunk, the first chunk one
///                  fewer (it runs the embedding), the last one fewer (it runs the loss).
struct PipelineSplit {
  int pp = 1, vpp = 1;
  std::vector<long long> chunk_begin, chunk_layers;  ///< per chunk, pp x vpp of them
  /// Transformer layers on stage `stage`, all its chunks.
  long long stage_total(int stage) const;
  bool even() const;  ///< every stage holds as many layers
};

/// The split of `model`'s layers for `train` at pipeline size pp. Throws ConfigError naming
/// the flag and values when it does not divide (Megatron-Core's assertions): L % (pp vpp)
/// when even; the middle stages' layers % (pp - stages given) and each stage's % vpp; (L + the
/// counted embedding/loss) % (pp vpp); first/last layers at least 1 (0 with the
/// embedding/loss counted, which then sit alone on their chunk) and not more than L; the
/// first/last flags with pp > 1 only.
PipelineSplit pipeline_split(const ModelConfig& model, const TrainingConfig& train, int pp);

/// Layers of stage `stage` (0-based) by kind (MoE layers counted from the model's per-layer
/// kinds; DeepSeek's first_k_dense_replace puts its dense layers on stage 0).
StageLayers stage_layers(const ModelConfig& model, const PipelineSplit& split, int stage);

/// Quantities of one step that every axis uses, after validation.
struct StepShape {
  long long micro_batches = 1;     ///< m = global / (b x dp)
  PipelineSplit split;             ///< the layers of every stage and chunk
  long long layers_per_stage = 1;  ///< transformer layers of `stage` (L / pp when even)
  long long seq_per_rank = 1;      ///< s / cp
  /// The stage the traffic rows describe: the one with the most MoE layers (the busiest EP
  /// stage), then the most layers, the lowest such index (stage 0 of an even dense model).
  int stage = 0;
  StageLayers stage_layers;        ///< that stage's layers by kind
};

/// Checks that the layout fits the model and the training config and derives the step shape.
/// Throws ConfigError naming the flag or field and the values: Megatron-Core's tensor-parallel
/// rules (tensor_parallel_violation: heads, KV heads, MLP widths % tp),
/// the pipeline split (pipeline_split), seq % (2 cp) when cp > 1 (load-balanced ring attention), global batch %
/// (micro x dp), experts % ep (ep > 1 needs a MoE model), zero stage 0..3, vpp > 1 needs pp > 1
/// and micro-batches % pp, bucket and byte sizes > 0.
StepShape validate_step(const ModelConfig& model, const TrainingConfig& train,
                        const MeshSizes& layout);

}  // namespace meshbench
