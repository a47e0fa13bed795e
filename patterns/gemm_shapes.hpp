#pragma once
// The matmuls of one transformer layer on one tensor-parallel rank: what `meshbench gemm`
// times to calibrate the planner's matmul efficiency at the shapes a model really runs.

#include <string>
#include <vector>

#include "patterns/model_config.hpp"

namespace meshbench {

/// Which pass of training a matmul belongs to. For Y = X W (X: m x k, W: k x n) the backward
/// pass computes dX = dY W^T (m x n times n x k) and dW = X^T dY (k x m times m x n).
enum class GemmPass { kForward, kBackwardData, kBackwardWeight };

/// "fwd", "dgrad", "wgrad".
std::string gemm_pass_name(GemmPass pass);

/// One matmul C[m x n] = A[m x k] B[k x n]; flops = 2 m n k per call.
struct GemmShape {
  std::string layer;   ///< qkv, q_down, q_up, q, kv_down, kv_up, attn_out, mlp_up, mlp_down,
                       ///< router, expert_up, expert_down, shared_up, shared_down
  GemmPass pass = GemmPass::kForward;
  long long m = 0, n = 0, k = 0;
  int calls_per_layer = 1;  ///< experts a rank runs for routed-expert MLPs (same shape each), else 1
  /// Share of the model's layers that run it: 1 for attention, dense layers / L for a dense
  /// MLP, MoE layers / L for experts (DeepSeek-V3: 3/61 and 58/61). Totals "per layer" are
  /// for the average layer.
  double layer_share = 1;
  /// Calls in the average layer: calls_per_layer x layer_share.
  double weight() const { return calls_per_layer * layer_share; }
  double flops() const { return 2.0 * static_cast<double>(m) * n * k * weight(); }
  std::string label() const;  ///< "qkv fwd 4096x6144x4096" (m x n x k)
};

/// Totals of one layer's matmuls (one precision, one rank).
struct GemmLayerTotals {
  double flops_per_layer = 0;     ///< sum of the shapes' flops (x calls per layer)
  double time_us_per_layer = 0;   ///< sum of their p50 times (x calls per layer)
  double tflops() const { return flops_per_layer / time_us_per_layer * 1e-6; }
};

/// The flop-weighted efficiency of a layer's matmuls: (sum of flops / sum of times) / peak.
/// This is what the planner's compute time assumes (fit/plan/estimate.hpp), not the mean of
/// per-shape efficiencies, which would overweight small shapes. Throws std::invalid_argument
/// for a non-positive peak or time.
double flop_weighted_efficiency(const GemmLayerTotals& summary, double peak_tflops);

/// The forward, data-gradient and weight-gradient matmuls of the average layer per TP rank,
/// Megatron's split (Shoeybi et al. 2019, section 3): QKV and MLP-up column-parallel (output /
/// tp), the attention output and MLP-down row-parallel (input / tp). `tokens` = micro-batch x
/// sequence per CP rank. GQA: K and V have num_kv_heads heads, split over tp (the rule of
/// tensor_parallel_violation, shared with traffic and the search). MLA (DeepSeek-V2/V3): the
/// down-projections q_down and kv_down whole on every rank (Megatron-Core builds them
/// "duplicated"), q_up, kv_up and attn_out split. A gated MLP fuses gate and up into one matmul
/// of twice the width. MoE layers: the router (h x experts, replicated), each of the
/// num_experts / ep routed experts on a rank seeing tokens x experts_per_token / num_experts
/// tokens on average (balanced routing), and the shared experts on every token; dense layers of
/// a MoE model keep their dense MLP (each with its layer_share). Attention's score and value
/// products (batched, run by fused attention kernels) are not GEMMs of the weights and are left
/// out. Throws ConfigError naming the flag when tp does not divide the heads or widths, ep does
/// not divide the experts, or tokens < 1.
std::vector<GemmShape> layer_gemm_shapes(const ModelConfig& model, int tp, int ep, long long tokens);

}  // namespace meshbench
