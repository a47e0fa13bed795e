#pragma once
// The traffic of one training step, axis by axis (DESIGN.md, "Traffic of one training step"):
// rows of (axis, phase, op, bytes per call, calls per step, group) per GPU, from one
// definition that `meshbench traffic` prints, `meshbench pattern` executes and the planner
// costs. One file per axis in patterns/traffic/.
//
// Bytes per call are nccl-tests sizes (patterns/collective.hpp): all_reduce the buffer,
// all_gather the gathered output, reduce_scatter the input, all_to_all what one rank sends in
// all, send_recv what one rank sends. Rows describe a GPU of one pipeline stage, the one with
// the most MoE layers (StepShape::stage; any stage of a uniform model), transformer layers
// only: the embedding, output layer and loss are left out.

#include <string>
#include <vector>

#include "patterns/collective.hpp"
#include "patterns/mesh.hpp"
#include "patterns/model_config.hpp"
#include "patterns/training.hpp"

namespace meshbench {

struct TrafficRow {
  std::string axis;    ///< tp, pp, dp, zero, cp, ep
  std::string phase;   ///< fwd, bwd, or step (once per step, after the micro-batches)
  CollectiveOp op = CollectiveOp::kAllReduce;
  double bytes_per_call = 0;
  long long calls_per_step = 0;
  std::vector<MeshAxis> group_axes;  ///< the mesh axes whose ranks form the group
  int group_size = 1;                ///< product of their sizes
  std::string what;                  ///< the tensor, for people
  /// The group is the first and the last rank of each group_axes group (Megatron's embedding
  /// group: first and last pipeline stage); group_size is then 2.
  bool pipeline_ends = false;
  /// false: no framework overlaps it with compute (the vocab-parallel embedding, output layer
  /// and cross entropy are plain tensor_parallel layers, outside TE's --tp-comm-overlap).
  bool overlappable = true;
  /// bytes_per_call x calls_per_step.
  double bytes_per_step() const { return bytes_per_call * static_cast<double>(calls_per_step); }
};

/// Everything a row derivation needs.
struct TrafficInputs {
  ModelConfig model;
  TrainingConfig train;
  MeshSizes layout;
  StepShape shape;  ///< from validate_step
  /// How ranks are laid out on the mesh (fastest varying first): where groups sit on nodes,
  /// not what they send. meshplan plan --order; Megatron's unless told.
  MeshOrder order = kMegatronOrder;
};

/// Parameters one GPU holds, split as DP and ZeRO reduce them: `dense` is replicated over
/// dp x cp x ep (attention, dense MLP, shared experts, router, norms; the tp-split parts / tp),
/// `expert` over dp x cp only (routed experts / (tp x ep)).
struct GpuParams {
  double dense = 0;
  double expert = 0;
};

/// The axes a dense weight is replicated over (dp x cp x ep) and those a routed expert is
/// replicated over (dp x cp: experts are split over ep): the groups DP and ZeRO reduce in.
const std::vector<MeshAxis>& dense_replica_axes();
const std::vector<MeshAxis>& expert_replica_axes();

/// The product of the layout's sizes on `axes`.
int group_size(const TrafficInputs& in, const std::vector<MeshAxis>& axes);

/// One layer of a kind (moe or dense) on one GPU of the layout; zeros when the model has no
/// layer of that kind.
GpuParams layer_params_per_gpu(const TrafficInputs& in, bool moe);

/// The layers `layers` of a stage on one GPU (embedding and output layer not included).
GpuParams stage_params_per_gpu(const TrafficInputs& in, const StageLayers& layers);

/// Tensor parallelism (Shoeybi et al. 2019; Korthikanti et al. 2022 section 4.2): per layer and
/// micro-batch 2 all-reduces of b (s/cp) h e forward and 2 backward (2 more backward with full
/// recomputation); with sequence parallelism each all-reduce becomes an all-gather plus a
/// reduce-scatter of the same tensor. None when tp = 1.
std::vector<TrafficRow> tp_traffic(const TrafficInputs& in);

/// The vocabulary-parallel embedding and output layer's TP traffic where the described stage
/// holds them (stage 0 the embedding, the last stage the output layer; both when pp = 1), per
/// micro-batch, as Megatron-Core's tensor_parallel layers and vocab-parallel cross entropy run:
///   embedding:     forward all-reduce of its b (s/cp) h output (reduce-scatter with sequence
///                  parallelism, whose backward all-gathers the gradient);
///   output layer:  with sequence parallelism forward all-gather of the final hidden state and
///                  backward reduce-scatter of its gradient; without, backward all-reduce of the
///                  input gradient;
///   cross entropy: 3 forward all-reduces of b (s/cp) fp32 (the logits' max, the target logit,
///                  the sum of exponentials).
/// Not overlappable (TrafficRow::overlappable false). None when tp = 1.
std::vector<TrafficRow> vocab_traffic(const TrafficInputs& in);

/// The tied embedding's gradient all-reduce between the first and the last pipeline stage
/// (Megatron-Core finalize_model_grads, _allreduce_word_embedding_grads): once a step, after the
/// data-parallel gradient sync and not overlapped, of this rank's vocab shard of the word
/// embedding, (V padded to 128 x tp) / tp x h in the gradient reduction dtype; axis "emb",
/// whichever stage the rows describe (the step ends on it). None unless pp > 1 and the output
/// layer is tied to the embedding.
std::vector<TrafficRow> embedding_grad_traffic(const TrafficInputs& in);

/// Pipeline parallelism, 1F1B (Narayanan et al. 2021): per micro-batch one send/recv of
/// b (s/cp) h e (/ tp with SP) forward and one backward; interleaved with v chunks: v each.
/// None when pp = 1.
std::vector<TrafficRow> pp_traffic(const TrafficInputs& in);

/// Data parallelism, ZeRO stage 0: the GPU's gradients (grad_reduce_bytes each) all-reduced in
/// buckets of dp_bucket_bytes once per step; dense gradients over dp x cp x ep, expert
/// gradients over dp x cp (experts are not replicated across ep). None when the group is 1
/// or zero_stage > 0.
std::vector<TrafficRow> dp_traffic(const TrafficInputs& in);

/// ZeRO (Rajbhandari et al. 2020): stages 1-2 reduce-scatter the gradients and all-gather the
/// updated parameters (dtype_bytes) once per step, in buckets; stage 3 (FSDP) all-gathers each
/// layer's parameters forward and again backward and reduce-scatters its gradients backward,
/// per micro-batch. Same groups as dp_traffic. None when zero_stage = 0.
std::vector<TrafficRow> zero_traffic(const TrafficInputs& in);

/// Context parallelism, ring attention (Liu et al. 2023; Megatron-LM CP): per layer and
/// micro-batch cp-1 ring rounds carrying the K and V blocks, b (s/cp) (k_dim + v_dim) / tp e
/// (MLA: K and V expanded per head), forward; K, V, dK and dV backward (and the forward again with full recomputation).
/// None when cp = 1.
std::vector<TrafficRow> cp_traffic(const TrafficInputs& in);

/// Expert parallelism (Lepikhin et al. 2021, GShard): per MoE layer of the stage (dense layers
/// and shared experts move no tokens) and micro-batch an all-to-all dispatch and an all-to-all
/// combine of the routed tokens, forward and backward, b (s/cp) / (tp with SP) x top-k x h x e
/// bytes per rank, routing assumed balanced. None when ep = 1.
std::vector<TrafficRow> ep_traffic(const TrafficInputs& in);

/// All axes in the order tp, cp, ep, pp, dp, zero.
std::vector<TrafficRow> step_traffic(const TrafficInputs& in);

/// The buffers `meshbench pattern` executes for row `r` at `scale` (0, 1]: float32 elements of
/// bytes_per_call x scale, rounded down as nccl-tests rounds a size (element_counts), and at
/// least one element per rank block. Its size_bytes is pattern.csv's `bytes`.
ElementCounts executed_counts(const TrafficRow& r, double scale);

/// Validates and bundles (see validate_step).
TrafficInputs make_traffic_inputs(const ModelConfig& model, const TrainingConfig& train,
                                  const MeshSizes& layout);

}  // namespace meshbench
