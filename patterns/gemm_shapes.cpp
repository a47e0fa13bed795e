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
  const long long h = model.hidden_size;
  if (model.num_heads % tp != 0) {
    throw ConfigError(fmt::format("--tp {} does not divide {}'s {} attention heads", tp,
                                  model.name, model.num_heads));
  }
  if (model.ffn_hidden_size % tp != 0) {
    throw ConfigError(fmt::format("--tp {} does not divide {}'s MLP width {}", tp, model.name,
                                  model.ffn_hidden_size));
  }
  if (model.is_moe() && model.num_experts % ep != 0) {
    throw ConfigError(fmt::format("--ep {} does not divide {}'s {} experts", ep, model.name,
                                  model.num_experts));
  }
  const long long q_cols = h / tp;
  // K and V heads split across TP ranks, or replicated when there are fewer than tp of them.
  const long long kv_heads = std::max<long long>(1, model.num_kv_heads / tp);
  const long long kv_cols = 2 * kv_heads * model.head_dim();
  const long long ffn = model.ffn_hidden_size / tp;
  const long long up_cols = (model.swiglu ? 2 : 1) * ffn;
  long long mlp_tokens = tokens;
  int experts = 1;
  if (model.is_moe()) {
    experts = static_cast<int>(model.num_experts / ep);
    mlp_tokens = std::max<long long>(1, tokens * model.experts_per_token / model.num_experts);
  }

  struct Forward {
    const char* layer;
    long long m, n, k;
    int calls;
  };
  const Forward forward[] = {
      {"qkv", tokens, q_cols + kv_cols, h, 1},
      {"attn_out", tokens, h, q_cols, 1},
      {"mlp_up", mlp_tokens, up_cols, h, experts},
      {"mlp_down", mlp_tokens, h, ffn, experts},
  };
  std::vector<GemmShape> shapes;
  for (const Forward& f : forward) {
    shapes.push_back({f.layer, GemmPass::kForward, f.m, f.n, f.k, f.calls});
    shapes.push_back({f.layer, GemmPass::kBackwardData, f.m, f.k, f.n, f.calls});
    shapes.push_back({f.layer, GemmPass::kBackwardWeight, f.k, f.n, f.m, f.calls});
  }
  return shapes;
}

}  // namespace meshbench
