#pragma once
// Which communication a training framework hides behind compute by default, and how much of it
// can be hidden: the overlap model of the MFU estimate and of the ceiling. The defaults are
// read from each framework's code and recipes; docs/research/framework_overlap_defaults.md
// quotes them with their commits.

#include <optional>
#include <string>
#include <vector>

#include "patterns/traffic.hpp"

namespace meshbench::plan {

/// The frameworks whose overlap defaults the planner knows.
enum class Framework {
  kMegatronLm,      ///< Megatron-LM / Megatron-Core command-line defaults
  kMegatronBridge,  ///< NeMo 2 / Megatron-Bridge pre-training recipes (and NVIDIA's DGXC runs)
  kFsdp,            ///< PyTorch FSDP1/FSDP2 (torchtitan, llm-foundry), JAX FSDP sharding
  kDeepSpeed,       ///< DeepSpeed ZeRO with its JSON defaults
  kDdp,             ///< PyTorch DistributedDataParallel
};

/// "megatron-lm", "megatron-bridge", "fsdp", "deepspeed", "ddp".
std::string framework_name(Framework f);

/// The names framework_name prints, in enum order.
std::vector<std::string> framework_names();

/// By name (as framework_name prints it; "nemo" and "megatron-core" are accepted as aliases).
/// Throws ConfigError naming `flag`, the value and the known names.
Framework parse_framework(const std::string& name, const std::string& flag = "--framework");

/// What a step overlaps. ZeRO-3 / FSDP layer gathers are always prefetched behind the previous
/// layer's compute: every framework that shards parameters does so (FSDP implicit prefetch,
/// DeepSpeed stage 3 overlap_comm, Megatron FSDP).
struct OverlapSettings {
  /// TP all-gathers / reduce-scatters pipelined with the GEMMs that consume or produce them
  /// (Transformer Engine userbuffers, --tp-comm-overlap; needs sequence parallelism).
  bool tp = false;
  /// DP all-reduce / ZeRO reduce-scatter of gradients launched bucket by bucket during the last
  /// micro-batch's backward (--overlap-grad-reduce, DDP's autograd hooks, overlap_comm).
  bool grad_reduce = false;
  /// ZeRO-1/2 all-gather of updated parameters hidden behind the next step's first forward
  /// (--overlap-param-gather).
  bool param_gather = false;
  /// Pipeline sends and receives on their own stream (interleaved 1F1B, --overlap-p2p-
  /// communication): only the sends on the critical path of fill and drain are exposed.
  bool p2p = false;
};

/// The framework's defaults for a layout and training config:
///   megatron-lm:     nothing, except p2p with an interleaved schedule (arguments.py forces
///                    overlap_p2p_comm off without it);
///   megatron-bridge: grad_reduce and param_gather (distributed optimizer recipes), tp when
///                    tp > 1 with sequence parallelism (tp_comm_overlap=True), p2p when interleaved;
///   fsdp:            grad_reduce (reduce-scatter in backward, always on in FSDP2);
///   deepspeed:       grad_reduce only at ZeRO stage 3 (overlap_comm defaults to true only there);
///   ddp:             grad_reduce (bucketed all-reduce from autograd hooks).
OverlapSettings framework_overlap(Framework f, const TrainingConfig& train, const MeshSizes& layout);

/// The best a layout can do (the ceiling's overlap): everything that can overlap does; TP only
/// with sequence parallelism (its all-reduce form has nothing to pipeline with).
OverlapSettings best_overlap(const TrainingConfig& train, const MeshSizes& layout);

/// Framework defaults with explicit overrides (nullopt: the default).
struct OverlapChoice {
  Framework framework = Framework::kMegatronLm;
  std::optional<bool> tp, grad_reduce, param_gather, p2p;
  OverlapSettings resolve(const TrainingConfig& train, const MeshSizes& layout) const;
  /// "megatron-bridge: tp, grad-reduce, param-gather, p2p overlapped" (what resolve gives).
  std::string describe(const TrainingConfig& train, const MeshSizes& layout) const;
};

/// The gradient bucket the framework reduces (and, with ZeRO-1/2, gathers) by, bytes:
///   megatron-lm:     with grad_reduce max(40,000,000, 1,000,000 x dp) parameters, else one bucket
///                    (megatron/core/distributed: bucket_size None -> that rule);
///   megatron-bridge: 128 Mi parameters (CommOverlapConfig with dp > 1);
///   fsdp, ddp:       25 MiB (DDP bucket_cap_mb = 25; FSDP reduces per layer anyway);
///   deepspeed:       500,000,000 elements (reduce_bucket_size).
/// Parameters count `grad_bytes` bytes each. `dp` is the gradient's replicas.
double framework_bucket_bytes(Framework f, const OverlapSettings& overlap, long long dp, int grad_bytes);

/// Per-step compute a transfer can hide behind, seconds per GPU at the step's pace.
struct HidingCompute {
  double forward_s = 0, backward_s = 0;  ///< all micro-batches (backward includes recomputation)
  long long micro_batches = 1;
  long long stage_layers = 1;            ///< transformer layers of the pacing stage
  double linear_s = 0;                   ///< the part that is linear-layer GEMMs (TP overlap)
};

/// Exposed seconds per step of one axis's traffic rows, each row's time given (seconds per
/// call, `call_s[i]` for `rows[i]`):
///   ZeRO-3 gathers, forward:  per micro-batch, the first layer's gather plus, for every later
///                             layer, what its gather takes beyond the previous layer's forward;
///   ZeRO-3 backward:          likewise with gather + reduce-scatter against a layer's backward,
///                             the last reduce-scatter exposed;
///   gradient reduction:       with grad_reduce, what exceeds one micro-batch's backward, the
///                             last bucket at least; else all of it;
///   ZeRO-1/2 parameter gather: with param_gather, what exceeds one micro-batch's forward, the
///                             first bucket at least; else all of it;
///   PP:                       with p2p, the 2 (pp - 1) sends of fill and drain; else all;
///   TP:                       with tp, what exceeds the linear GEMMs, and rows no framework
///                             overlaps (TrafficRow::overlappable false) whole; else all.
/// Other axes (CP, EP, the tied embedding's all-reduce "emb") are returned whole.
double exposed_seconds(const std::vector<TrafficRow>& rows, const std::vector<double>& call_s,
                       const OverlapSettings& overlap, const HidingCompute& compute, int pp);

}  // namespace meshbench::plan
