#pragma once
// FLOPs and memory of one training step, per the papers the field uses.

#include "patterns/traffic.hpp"

namespace meshbench::plan {

/// Weights a token multiplies by in one layer: attention (Q, K, V of kv_dim, output) and the
/// MLP, or the top-k experts' MLPs of a MoE layer.
double active_matmul_params(const ModelConfig& m);

/// Model FLOPs of one iteration over `tokens` = global batch x s tokens (Narayanan et al. 2021,
/// eq. 3 generalised): 3 (forward + backward) x tokens x [L (2 x matmul parameters of a layer
/// + 4 s h for attention scores and values) + 2 V h for the logits]. Matmul parameters count
/// GQA (K and V of kv_dim), SwiGLU (3 matrices) and, for MoE, the top-k experts a token uses.
/// Attention is counted over the full sequence (no causal halving), as Narayanan and Megatron
/// do. For a GPT (MHA, 4h MLP) this is exactly 72 B s L h^2 (1 + s/(6h) + V/(12 L h)).
double model_flops(const ModelConfig& m, double global_batch, double seq_length);

/// Hardware FLOPs: model FLOPs plus recomputation (full: one more forward of every layer;
/// selective: one more forward of the attention core, 4 s h per token per layer). HFU uses them.
double hardware_flops(const ModelConfig& m, double global_batch, double seq_length, Recompute r);

/// Activation bytes of one transformer layer for one micro-batch on one GPU (Korthikanti et al.
/// 2022, Table 2, with s the per-rank sequence s/cp, t = tp, a heads, bf16):
///   no SP, no recompute:   s b h (10 + 24/t + 5 a s / (h t))
///   SP, no recompute:      s b h (34/t + 5 a s / (h t))
///   selective recompute:   s b h (10 + 24/t)   (SP: 34/t): the attention core is recomputed
///   full recompute:        2 s b h             (SP: 2 s b h / t): only the layer input is kept
double layer_activation_bytes(const TrafficInputs& in);

struct MemoryBreakdown {
  double weights = 0, gradients = 0, optimizer = 0, activations = 0;
  double total() const { return weights + gradients + optimizer + activations; }
};

/// Per GPU of the first pipeline stage (the one holding the most activations and the
/// embedding): bf16 weights (2 B), main gradients (grad_reduce_bytes), Adam in fp32 (master
/// copy + 2 moments, 12 B); ZeRO 1 shards the optimizer over dp x cp, 2 the gradients too, 3
/// the weights too. Activations: layers per stage x micro-batches in flight (1F1B: min(pp, m);
/// interleaved x (1 + (pp-1)/(pp v)), Korthikanti et al. 2022 section 4.2.3).
MemoryBreakdown memory_per_gpu(const TrafficInputs& in);

}  // namespace meshbench::plan
