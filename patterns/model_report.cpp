#include "patterns/model_report.hpp"

#include <fmt/format.h>

namespace meshbench {
namespace {

std::string norm_name(NormKind n) {
  switch (n) {
    case NormKind::kRms: return "rmsnorm";
    case NormKind::kLayer: return "layernorm";
    case NormKind::kNonParametric: return "non-parametric layernorm";
  }
  return "?";
}

}  // namespace

nlohmann::json model_json(const ModelConfig& m) {
  nlohmann::json j = {
      {"name", m.name}, {"architecture", m.architecture}, {"hidden_size", m.hidden_size},
      {"num_layers", m.num_layers}, {"num_heads", m.num_heads}, {"num_kv_heads", m.num_kv_heads},
      {"head_dim", m.head_dim()}, {"ffn_hidden_size", m.ffn_hidden_size},
      {"vocab_size", m.vocab_size}, {"num_experts", m.num_experts},
      {"experts_per_token", m.experts_per_token}, {"gated_mlp", m.gated_mlp},
      {"tied_embeddings", m.tied_embeddings}, {"norm", norm_name(m.norm)},
      {"total_params", m.total_params()}, {"active_params", m.active_params()},
      {"params", m.total_params()}, {"moe_layers", m.num_moe_layers()},
      {"dense_layers", m.num_layers - m.num_moe_layers()}, {"provenance", m.provenance},
      {"ignored_keys", m.ignored_keys}, {"notes", m.notes}};
  if (m.is_moe()) {
    j["moe_ffn_hidden_size"] = m.expert_ffn_hidden_size();
    j["shared_expert_ffn_hidden_size"] = m.shared_expert_ffn_hidden_size;
  }
  if (m.mla) {
    j["mla"] = {{"q_lora_rank", m.mla->q_lora_rank}, {"kv_lora_rank", m.mla->kv_lora_rank},
                {"qk_nope_head_dim", m.mla->qk_nope_head_dim},
                {"qk_rope_head_dim", m.mla->qk_rope_head_dim}, {"v_head_dim", m.mla->v_head_dim}};
  }
  if (m.mtp_layers > 0) j["mtp_layers_not_counted"] = m.mtp_layers;
  return j;
}

std::string model_text(const ModelConfig& m) {
  std::string s = fmt::format(
      "# model {} ({}): {:.4g}B parameters, {:.4g}B active per token; h {}, layers {}, heads {} "
      "(kv {}, head dim {}), ffn {}, vocab {}{}{}\n",
      m.name, m.architecture, m.total_params() / 1e9, m.active_params() / 1e9, m.hidden_size,
      m.num_layers, m.num_heads, m.num_kv_heads, m.head_dim(), m.ffn_hidden_size, m.vocab_size,
      m.gated_mlp ? ", gated MLP" : "", m.tied_embeddings ? ", tied embeddings" : "");
  if (m.is_moe()) {
    s += fmt::format("#   MoE: {} of {} layers, {} routed experts of ffn {} (top-{}){}\n",
                     m.num_moe_layers(), m.num_layers, m.num_experts, m.expert_ffn_hidden_size(),
                     m.experts_per_token,
                     m.shared_expert_ffn_hidden_size > 0
                         ? fmt::format(", shared experts of ffn {}", m.shared_expert_ffn_hidden_size)
                         : "");
  }
  if (m.mla) {
    s += fmt::format("#   MLA: q_lora_rank {}, kv_lora_rank {}, qk head dim {} + {} (rope), v head "
                     "dim {}\n", m.mla->q_lora_rank, m.mla->kv_lora_rank, m.mla->qk_nope_head_dim,
                     m.mla->qk_rope_head_dim, m.mla->v_head_dim);
  }
  for (const auto& [field, source] : m.provenance) {
    if (source.rfind("default", 0) == 0) s += fmt::format("#   {}: {}\n", field, source);
  }
  for (const auto& note : m.notes) s += fmt::format("#   note: {}\n", note);
  if (!m.ignored_keys.empty()) {
    std::string keys;
    for (const auto& k : m.ignored_keys) keys += (keys.empty() ? "" : ", ") + k;
    s += fmt::format("#   ignored keys (not used for traffic, FLOPs or memory): {}\n", keys);
  }
  return s;
}

}  // namespace meshbench
