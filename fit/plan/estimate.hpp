#pragma once
// Time per step, MFU ceiling and MFU estimate of one layout on one cluster. Every
// communication cost comes from the traffic rows of patterns/traffic and a cost model (a
// meshfit profile, or a spec-sheet cluster).

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fit/plan/hardware.hpp"
#include "fit/plan/model_math.hpp"
#include "fit/plan/overlap.hpp"
#include "fit/profile.hpp"

namespace meshbench::plan {

/// One group of an axis as it runs in a step: its ranks, the nodes it spans, and how many groups
/// of its shape run at once on each node (all groups of an axis do: gpus per node / its ranks
/// per node).
struct GroupShape {
  int ranks = 1, nodes = 1;
  int concurrent_groups = 1;
};

/// The cost of one call, and how it was priced when the source had to be scaled ("" when it
/// matched).
struct CallCost {
  double time_us = 0;
  std::string note;
};

/// Time of one collective call on a group.
class CommCost {
 public:
  virtual ~CommCost() = default;
  virtual CallCost call(CollectiveOp op, double bytes, const GroupShape& group) const = 0;
  virtual std::string describe() const = 0;
};

/// The Hockney model of a spec-sheet cluster: algorithm steps (patterns/collective_cost) with
/// the intra link inside a node and, across nodes, the inter link (per-GPU NIC bandwidth)
/// times the group's ranks per node, capped by the intra link: every GPU has its own NIC on
/// these systems (DGX: 8 per node) and NCCL's channels use every rail, so a group with g ranks
/// on each node moves its inter-node traffic over g NICs. Concurrent groups use other NICs.
std::unique_ptr<CommCost> spec_sheet_cost(const ClusterSpec& cluster);

/// A meshfit profile (meshfit predict, with the group's concurrency: an entry measured with
/// other concurrency or placement is scaled, and the CallCost's note says how). Throws
/// fit::InputError on a call whose op and tier the profile has no entry for.
std::unique_ptr<CommCost> profile_cost(fit::Profile profile);

struct PlanOptions {
  double matmul_efficiency = 0;  ///< bf16, fraction of bf16 peak; 0: the GPU's calibrated value
  /// fp8 linear GEMMs (--fp8-format), fraction of fp8 peak; 0: fp8_matmul_efficiency of the
  /// bf16 one (patterns/gpu_spec.hpp).
  double fp8_matmul_efficiency = 0;
  OverlapChoice overlap;         ///< the framework whose overlap the estimate assumes
  /// MFU's denominator per GPU, TFLOP/s: 0 = the GPU's dense bf16 peak (as published MFU
  /// usually is, fp8 runs included); validate passes the row's own.
  double mfu_peak_tflops = 0;
  double hbm_reserve = 0.05;     ///< fraction of HBM kept for the allocator and workspaces
  /// elementwise_passes() (patterns/gpu_spec.hpp) when negative; calibration sets it.
  double elementwise_passes = -1;
};

/// One pipeline stage as the plan reports it.
struct StageReport {
  int stage = 0;
  StageLayers layers;
  bool embedding = false, output_layer = false;  ///< the input embedding; the output layer and loss
  double compute_s = 0;    ///< its compute per step (GEMMs at the estimate's efficiency)
  double memory_gib = 0;   ///< stage_memory_per_gpu
};

struct StepEstimate {
  int gpus = 1, gpus_per_node = 8;
  double model_flops = 0, hardware_flops = 0;
  double compute_s = 0, compute_at_peak_s = 0;  ///< per GPU per step, at the slowest stage's pace
  bool fp8 = false;                 ///< linear GEMMs priced at the fp8 peak
  double mfu_peak_tflops = 0;       ///< MFU's denominator per GPU
  std::string overlap;              ///< OverlapChoice::describe of the estimate's overlap
  double pace_factor = 1;  ///< pipeline_pace_factor
  /// Of compute_s, the memory-bound work (layer_elementwise_bytes x passes / HBM bandwidth);
  /// the ceiling leaves it out (perfectly fused).
  double elementwise_s = 0;
  double elementwise_passes = 0;  ///< the passes it was priced with
  /// Exposed communication per axis, seconds per step.
  double tp_s = 0, pp_s = 0, dp_s = 0, zero_s = 0, cp_s = 0, ep_s = 0;
  double emb_s = 0;  ///< the tied embedding's gradient all-reduce (never overlapped)
  double tp_total_s = 0, pp_total_s = 0, dp_total_s = 0, zero_total_s = 0, cp_total_s = 0,
         ep_total_s = 0, emb_total_s = 0;  ///< before overlap
  /// All of `axis`'s communication per step before overlap, seconds (the *_total_s field of
  /// tp, pp, dp, zero, cp, ep or emb); -1 for a name that is no traffic axis.
  double total_s(std::string_view axis) const;
  double bubble_s = 0;
  double step_s = 0, ceiling_step_s = 0;
  double mfu = 0, mfu_ceiling = 0, hfu = 0, tflops_per_gpu = 0, tokens_per_s = 0;
  int tp_nodes = 1;  ///< nodes one TP group spans (> 1: TP crosses nodes)
  /// Per axis, how its calls were priced where the cost source had to be scaled (distinct
  /// notes, in traffic order); empty where every call matched a measured entry.
  std::map<std::string, std::vector<std::string>> cost_notes;
  MemoryBreakdown memory;
  /// Every pipeline stage (pp > 1): layers, compute and memory; the bottleneck is the stage
  /// with the most compute (it sets the pace of 1F1B).
  std::vector<StageReport> stages;
  int bottleneck_stage = 0;
  double hbm_bytes = 0;
  bool fits = false;
  double matmul_efficiency = 0;
  double fp8_matmul_efficiency = 0;  ///< 0 unless fp8
};

/// Forward FLOPs per token each pipeline stage runs (its transformer layers by kind, the
/// output layer on the last stage), stage order; one entry for pp = 1.
std::vector<double> stage_forward_flops(const TrafficInputs& in);

/// How much slower than the average stage the slowest pipeline stage is (>= 1; 1 for pp = 1):
/// max over stages / mean of each stage's forward FLOPs per token (its transformer layers by
/// kind, the output layer on the last stage). 1F1B runs every micro-batch at the slowest
/// stage's pace (Narayanan et al. 2021 section 2.2), so this scales the compute per step: why
/// 126 layers on 16 stages take 7/8/7 layers with the loss counted (Llama 3 section 3.3.2).
double pipeline_pace_factor(const TrafficInputs& in);

/// Estimates one step. Placement: Megatron's order tp-cp-ep-dp-pp over nodes of
/// `gpus_per_node` consecutive ranks.
///   compute  = per GPU, at the pace of the slowest stage (pipeline_pace_factor): the
///              transformer block's linear GEMMs at the bf16 peak x matmul efficiency (fp8:
///              fp8 peak x fp8 efficiency), attention and the output layer at bf16, plus the
///              memory-bound work (layer_elementwise_bytes x passes / HBM bandwidth)
///   exposed  = each axis's rows through exposed_seconds (overlap.hpp) with the framework's
///              overlap (options.overlap); CP beyond the attention compute it overlaps; EP whole
///   bubble   = (p - 1)/(v m) x (compute + TP + CP + EP)
///   EMB      = the tied embedding's gradient all-reduce, whole
///   step     = compute + exposed communication + bubble
/// The ceiling: the same layout with every GEMM at peak and best_overlap (all that can overlap
/// does, hidden only as far as the compute at peak reaches): bubble, TP without sequence
/// parallelism, the pipeline's fill and drain sends and whatever exceeds the compute stay
/// exposed. With exact link costs no run of the layout can be faster.
/// MFU = model FLOPs / (GPUs x mfu_peak x step); HFU counts the recomputation. Throws
/// fit::InputError when the cost model lacks an op or tier, ConfigError for fp8 on a GPU without
/// fp8 tensor cores.
StepEstimate estimate_step(const TrafficInputs& in, const GpuSpec& gpu, int gpus_per_node,
                           const CommCost& cost, const PlanOptions& options);

/// Nodes spanned by the group of `axes` that holds rank 0 (Megatron order, `gpus_per_node`
/// consecutive ranks per node): DeviceMesh::group_of and classify_group of patterns/mesh.hpp.
/// Every group spans as many when gpus_per_node and the group's rank extent divide one
/// another; otherwise others may span one node more. Throws MeshError for gpus_per_node < 1.
int nodes_spanned(const MeshSizes& layout, const std::vector<MeshAxis>& axes, int gpus_per_node);

/// The placement of an axis's groups (group 0 of the mesh laid out in `order`, nodes in blocks
/// of gpus_per_node): tier, nodes spanned, most ranks on one node.
GroupPlacement axis_placement(const MeshSizes& layout, const std::vector<MeshAxis>& axes,
                              int gpus_per_node, const MeshOrder& order = kMegatronOrder);

}  // namespace meshbench::plan
