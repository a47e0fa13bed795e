#pragma once
// FLOPs and memory of one training step, per the papers the field uses.

#include "patterns/traffic.hpp"

namespace meshbench::plan {

/// Forward FLOPs of one token through the whole model, by kind (multiply-add = 2 FLOPs).
struct ForwardFlopsPerToken {
  double matmul = 0;     ///< 2 x the matmul weights a token uses, summed over layers
  double attention = 0;  ///< scores and values over the full sequence, summed over layers
  double logits = 0;     ///< the output layer, 2 V h
  double total() const { return matmul + attention + logits; }
};

/// Forward FLOPs per token at sequence length s (Narayanan et al. 2021, eq. 3, generalised
/// per layer kind): matmul = sum over layers of 2 x ModelConfig::layer_active_matmul_params
/// (GQA K and V of kv_heads x head_dim; gated MLPs 3 matrices; MoE layers the router, top-k routed and the
/// shared experts; MLA its down- and up-projections); attention = L x 2 s (q_dim + v width)
/// (QK^T and AV; for MHA 4 s h; for MLA 2 s a (qk_head_dim + v_head_dim)), halved when
/// `causal` (FlashAttention's count; Megatron and Narayanan count the full square, causal =
/// false); logits = 2 V h.
ForwardFlopsPerToken forward_flops_per_token(const ModelConfig& m, double seq_length,
                                             bool causal = false);

/// The attention term of one layer of forward_flops_per_token (full square): 2 s (q_dim + v
/// width).
double layer_attention_flops_per_token(const ModelConfig& m, double seq_length);

/// Model FLOPs of one iteration over global batch x s tokens: 3 (forward + backward) x tokens
/// x forward_flops_per_token (full attention square). For a GPT (MHA, 4h MLP, no biases) this
/// is exactly 72 B s L h^2 (1 + s/(6h) + V/(12 L h)).
double model_flops(const ModelConfig& m, double global_batch, double seq_length);

/// Hardware FLOPs of an iteration split by the precision they run in under Transformer Engine:
/// the transformer block's linear GEMMs (fp8 with --fp8-format) and the rest (attention core
/// and output layer, bf16). Forward + backward are 3 forwards; recomputation adds one forward of
/// what it recomputes (full: every layer; selective: the attention core).
struct HardwareFlops {
  double linear = 0, other = 0;
  double total() const { return linear + other; }
};
HardwareFlops hardware_flops_by_kind(const ModelConfig& m, double global_batch, double seq_length,
                                     Recompute r);

/// Hardware FLOPs: model FLOPs plus recomputation, hardware_flops_by_kind's total. HFU uses them.
double hardware_flops(const ModelConfig& m, double global_batch, double seq_length, Recompute r);

/// Activation bytes of one transformer layer for one micro-batch on one GPU (Korthikanti et al.
/// 2022, Table 2, with s the per-rank sequence s/cp, t = tp, a heads, bf16):
///   no SP, no recompute:   s b h (10 + 24/t + 5 a s / (h t))
///   SP, no recompute:      s b h (34/t + 5 a s / (h t))
///   selective recompute:   s b h (10 + 24/t)   (SP: 34/t): the attention core is recomputed
///   full recompute:        2 s b h             (SP: 2 s b h / t): only the layer input is kept
double layer_activation_bytes(const TrafficInputs& in);

/// HBM bytes one GPU's memory-bound work (norms, activations, dropout, residuals, RoPE: all
/// but the GEMMs and the attention kernel) moves for one layer and one micro-batch, taken
/// proportional to what the layer stores for backward (Korthikanti et al. 2022, Table 2,
/// without the attention scores a fused attention kernel never writes): s b h (34/t) with
/// sequence parallelism, s b h (10 + 24/t) without; times kElementwisePasses (how often those
/// bytes cross HBM in forward and backward, fitted: gpu_spec.hpp).
double layer_elementwise_bytes(const TrafficInputs& in);

struct MemoryBreakdown {
  double weights = 0, gradients = 0, optimizer = 0, activations = 0;
  int stage = 0;  ///< the pipeline stage it is for
  double total() const { return weights + gradients + optimizer + activations; }
};

/// Per GPU of pipeline stage `stage`: its layers by kind (stage_layers; routed experts / (tp x
/// ep)), the input embedding on the first stage and the output layer on the last (vocab-parallel
/// over tp; with pp = 1 a tied output layer is the embedding itself), each stage's 1F1B
/// micro-batches in flight: bf16 weights (2 B), main gradients (grad_reduce_bytes), Adam in
/// fp32 (master copy + 2 moments, 12 B); ZeRO 1 shards the optimizer over the weight's
/// replicas (dense: dp x cp x ep, experts: dp x cp), 2 the gradients too, 3 the weights too.
/// Activations: the stage's layers x layer_activation_bytes x micro-batches in flight (1F1B:
/// min(pp - stage, m); interleaved x (1 + (pp-1)/(pp v)), Korthikanti et al. 2022 4.2.3).
MemoryBreakdown stage_memory_per_gpu(const TrafficInputs& in, int stage);

/// The fullest stage's memory (stage_memory_per_gpu over every stage; the first stage for a
/// uniform model, a middle one when experts outweigh the embedding, as in DeepSeek-V2).
MemoryBreakdown memory_per_gpu(const TrafficInputs& in);

}  // namespace meshbench::plan
