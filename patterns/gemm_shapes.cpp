#include "patterns/gemm_shapes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace meshbench {

std::string gemm_pass_name(GemmPass pass) {
  switch (pass) {
    case GemmPass::kForward: return "fwd";
    case GemmPass::kBackwardData: return "dgrad";
    case GemmPass::kBackwardWeight: return "wgrad";
  }
  return "?";
}

std::string GemmShape::label() const {
  return fmt::format("{} {} {}x{}x{}", layer, gemm_pass_name(pass), m, n, k);
}

double flop_weighted_efficiency(const GemmLayerTotals& totals, double peak_tflops) {
  if (!(peak_tflops > 0) || !(totals.time_us_per_layer > 0)) {
    throw std::invalid_argument("flop_weighted_efficiency: peak and time must be positive");
  }
  return totals.tflops() / peak_tflops;
}

std::vector<GemmShape> layer_gemm_shapes(const ModelConfig& model, int tp, int ep,
                                         long long tokens) {
  if (tp < 1) throw ConfigError(fmt::format("--tp must be >= 1, got {}", tp));
  if (ep < 1) throw ConfigError(fmt::format("--ep must be >= 1, got {}", ep));
  if (tokens < 1) throw ConfigError(fmt::format("tokens per micro-batch must be >= 1, got {}", tokens));
  if (auto why = tensor_parallel_violation(model, tp, fmt::format("--tp {}", tp))) {
    throw ConfigError(*why);
  }
  if (model.is_moe() && model.num_experts % ep != 0) {
    throw ConfigError(fmt::format("--ep {} does not divide {}'s {} experts", ep, model.name,
                                  model.num_experts));
  }
  if (model.num_moe_layers() == 0 && ep > 1) {
    throw ConfigError(fmt::format("--ep {}: {} has no experts", ep, model.name));
  }
  const long long h = model.hidden_size;
  const double layers = static_cast<double>(model.num_layers);
  const double moe_share = static_cast<double>(model.num_moe_layers()) / layers;
  struct Forward {
    const char* layer;
    long long m, n, k;
    int calls;
    double share;
  };
  std::vector<Forward> forward;
  if (model.mla) {
    const MlaDims& a = *model.mla;
    const long long heads = model.num_heads / tp;
    if (a.q_lora_rank > 0) {
      forward.push_back({"q_down", tokens, a.q_lora_rank, h, 1, 1});
      forward.push_back({"q_up", tokens, heads * a.qk_head_dim(), a.q_lora_rank, 1, 1});
    } else {
      forward.push_back({"q", tokens, heads * a.qk_head_dim(), h, 1, 1});
    }
    forward.push_back({"kv_down", tokens, a.kv_lora_rank + a.qk_rope_head_dim, h, 1, 1});
    forward.push_back({"kv_up", tokens, heads * (a.qk_nope_head_dim + a.v_head_dim), a.kv_lora_rank, 1, 1});
    forward.push_back({"attn_out", tokens, h, heads * a.v_head_dim, 1, 1});
  } else {
    forward.push_back({"qkv", tokens, (model.q_dim() + model.k_dim() + model.v_dim()) / tp, h, 1, 1});
    forward.push_back({"attn_out", tokens, h, model.q_dim() / tp, 1, 1});
  }
  const int gate = model.gated_mlp ? 2 : 1;
  if (moe_share < 1) {
    const long long ffn = model.ffn_hidden_size / tp;
    forward.push_back({"mlp_up", tokens, gate * ffn, h, 1, 1 - moe_share});
    forward.push_back({"mlp_down", tokens, h, ffn, 1, 1 - moe_share});
  }
  if (moe_share > 0) {
    const long long ffn = model.expert_ffn_hidden_size() / tp;
    const auto experts = static_cast<int>(model.num_experts / ep);
    const long long routed = std::max<long long>(1, tokens * model.experts_per_token / model.num_experts);
    forward.push_back({"router", tokens, model.num_experts, h, 1, moe_share});
    forward.push_back({"expert_up", routed, gate * ffn, h, experts, moe_share});
    forward.push_back({"expert_down", routed, h, ffn, experts, moe_share});
    if (model.shared_expert_ffn_hidden_size > 0) {
      const long long shared = model.shared_expert_ffn_hidden_size / tp;
      forward.push_back({"shared_up", tokens, gate * shared, h, 1, moe_share});
      forward.push_back({"shared_down", tokens, h, shared, 1, moe_share});
    }
  }
  std::vector<GemmShape> shapes;
  for (const Forward& f : forward) {
    shapes.push_back({f.layer, GemmPass::kForward, f.m, f.n, f.k, f.calls, f.share});
    shapes.push_back({f.layer, GemmPass::kBackwardData, f.m, f.k, f.n, f.calls, f.share});
    shapes.push_back({f.layer, GemmPass::kBackwardWeight, f.k, f.n, f.m, f.calls, f.share});
  }
  return shapes;
}

}  // namespace meshbench
