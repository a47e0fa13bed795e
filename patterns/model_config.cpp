#include "patterns/model_config.hpp"

#include <fmt/format.h>

#include "patterns/hf_config.hpp"

namespace meshbench {
namespace {

double d(long long v) { return static_cast<double>(v); }

double norm_params(NormKind kind, long long width) {
  switch (kind) {
    case NormKind::kRms: return d(width);
    case NormKind::kLayer: return 2 * d(width);
    case NormKind::kNonParametric: return 0;
  }
  return 0;
}

/// One MLP of width f: up (and gate) h x f, down f x h, their biases when the architecture
/// has them (up and gate f each, down h).
double mlp_params(const ModelConfig& m, long long f) {
  const double h = d(m.hidden_size);
  const double matrices = (m.gated_mlp ? 3.0 : 2.0) * h * d(f);
  const double biases = m.mlp_bias ? (m.gated_mlp ? 2.0 : 1.0) * d(f) + h : 0;
  return matrices + biases;
}

double mlp_matmul_params(const ModelConfig& m, long long f) {
  return (m.gated_mlp ? 3.0 : 2.0) * d(m.hidden_size) * d(f);
}

/// Matmul weights of the attention projections (no biases, no norms), split as LayerParams.
LayerParams attention_matmuls(const ModelConfig& m) {
  const double h = d(m.hidden_size);
  LayerParams p;
  if (m.mla) {
    const MlaDims& a = *m.mla;
    const double heads = d(m.num_heads);
    if (a.q_lora_rank > 0) {
      p.replicated += h * d(a.q_lora_rank);                            // q_a_proj (down)
      p.tp_split += d(a.q_lora_rank) * heads * d(a.qk_head_dim());     // q_b_proj (up)
    } else {
      p.tp_split += h * heads * d(a.qk_head_dim());                    // q_proj
    }
    p.replicated += h * d(a.kv_lora_rank + a.qk_rope_head_dim);        // kv_a_proj_with_mqa
    p.tp_split += d(a.kv_lora_rank) * heads * d(a.qk_nope_head_dim + a.v_head_dim);  // kv_b_proj
    p.tp_split += heads * d(a.v_head_dim) * h;                         // o_proj
    return p;
  }
  p.tp_split = h * d(m.q_dim()) + h * d(m.k_dim()) + h * d(m.v_dim()) + d(m.q_dim()) * h;
  return p;
}

ModelConfig make(const char* name, long long h, long long layers, long long heads, long long kv,
                 long long ffn, long long vocab, bool gated, bool tied, long long experts = 0,
                 long long topk = 0) {
  ModelConfig m;
  m.name = name;
  m.hidden_size = h;
  m.num_layers = layers;
  m.num_heads = heads;
  m.num_kv_heads = kv;
  m.ffn_hidden_size = ffn;
  m.vocab_size = vocab;
  m.gated_mlp = gated;
  m.tied_embeddings = tied;
  m.num_experts = experts;
  m.experts_per_token = topk;
  for (const char* f : {"hidden_size", "num_layers", "num_heads", "num_kv_heads", "ffn_hidden_size",
                        "vocab_size", "num_experts", "experts_per_token", "gated_mlp",
                        "tied_embeddings"}) {
    m.provenance[f] = "preset";
  }
  return m;
}

/// A GPT as Megatron-LM builds it: LayerNorm, biases everywhere, learned positions for the
/// 2048-token context of the papers' runs.
ModelConfig gpt(const char* name, long long h, long long layers, long long heads, long long vocab) {
  ModelConfig m = make(name, h, layers, heads, heads, 4 * h, vocab, false, true);
  m.norm = NormKind::kLayer;
  m.qkv_bias = m.out_bias = m.mlp_bias = true;
  m.learned_positions = 2048;
  return m;
}

const std::vector<ModelConfig>& presets() {
  // GPT-3: Brown et al. 2020 Table 2.1 (d_model 12288, 96 layers, 96 heads, d_ff = 4 d_model).
  // Llama 3: Meta's published config.json files (8B, 70B, 3.1 405B). Mixtral 8x7B: its
  // config.json. GPT-*: Narayanan et al. 2021 ("Efficient Large-Scale Language Model Training
  // on GPU Clusters Using Megatron-LM") Table 1, vocabulary 51200, d_ff = 4h.
  static const std::vector<ModelConfig> all = {
      gpt("gpt3-175b", 12288, 96, 96, 50257),
      make("llama3-8b", 4096, 32, 32, 8, 14336, 128256, true, false),
      make("llama3-70b", 8192, 80, 64, 8, 28672, 128256, true, false),
      make("llama3-405b", 16384, 126, 128, 8, 53248, 128256, true, false),
      make("mixtral-8x7b", 4096, 32, 32, 8, 14336, 32000, true, false, 8, 2),
      gpt("gpt-1.7b", 2304, 24, 24, 51200),
      gpt("gpt-3.6b", 3072, 30, 32, 51200),
      gpt("gpt-7.5b", 4096, 36, 32, 51200),
      gpt("gpt-18b", 6144, 40, 48, 51200),
      gpt("gpt-39b", 8192, 48, 64, 51200),
      gpt("gpt-76b", 10240, 60, 80, 51200),
      gpt("gpt-145b", 12288, 80, 96, 51200),
      gpt("gpt-310b", 16384, 96, 128, 51200),
      gpt("gpt-530b", 20480, 105, 128, 51200),
      gpt("gpt-1t", 25600, 128, 160, 51200),
  };
  return all;
}

}  // namespace

long long ModelConfig::q_dim() const {
  return mla ? num_heads * mla->qk_head_dim() : num_heads * head_dim();
}

long long ModelConfig::k_dim() const {
  return mla ? num_heads * mla->qk_head_dim() : num_kv_heads * head_dim();
}

long long ModelConfig::v_dim() const {
  return mla ? num_heads * mla->v_head_dim : num_kv_heads * head_dim();
}

bool ModelConfig::is_moe_layer(long long layer) const {
  if (num_experts <= 0) return false;
  if (moe_layers.empty()) return true;
  return layer >= 0 && layer < static_cast<long long>(moe_layers.size()) &&
         moe_layers[static_cast<std::size_t>(layer)];
}

long long ModelConfig::num_moe_layers() const {
  long long n = 0;
  for (long long i = 0; i < num_layers; ++i) n += is_moe_layer(i);
  return n;
}

LayerParams ModelConfig::attention_params() const {
  LayerParams p = attention_matmuls(*this);
  if (mla) {
    // The latent norms after the down-projections (q_a_layernorm, kv_a_layernorm).
    p.replicated += norm_params(norm, mla->kv_lora_rank);
    if (mla->q_lora_rank > 0) p.replicated += norm_params(norm, mla->q_lora_rank);
  }
  if (qkv_bias && mla) {
    // DeepSeek's attention_bias: on q_a_proj and kv_a_proj_with_mqa (the down-projections).
    p.replicated += d(mla->q_lora_rank + mla->kv_lora_rank + mla->qk_rope_head_dim);
  } else if (qkv_bias) {
    p.tp_split += d(q_dim() + k_dim() + v_dim());
  }
  if (out_bias) p.replicated += d(hidden_size);  // row-parallel output bias: not split
  if (qk_norm == QkNorm::kPerHead) p.replicated += 2 * norm_params(norm, head_dim());
  if (qk_norm == QkNorm::kFullWidth) {
    p.replicated += norm_params(norm, q_dim()) + norm_params(norm, k_dim());
  }
  return p;
}

LayerParams ModelConfig::layer_params(long long layer) const {
  LayerParams p = attention_params();
  p.replicated += norms_per_layer * norm_params(norm, hidden_size);
  if (!is_moe_layer(layer)) {
    p.tp_split += mlp_params(*this, ffn_hidden_size);
    return p;
  }
  p.experts += d(num_experts) * mlp_params(*this, expert_ffn_hidden_size());
  p.replicated += d(hidden_size) * d(num_experts) + (router_bias ? d(num_experts) : 0);
  if (shared_expert_ffn_hidden_size > 0) {
    p.tp_split += mlp_params(*this, shared_expert_ffn_hidden_size);
    if (shared_expert_gate) p.replicated += d(hidden_size);
  }
  return p;
}

double ModelConfig::embedding_params() const {
  const double table = d(vocab_size) * d(hidden_size);
  double p = tied_embeddings ? table : 2 * table;
  p += d(learned_positions) * d(hidden_size);
  if (embedding_norm) p += norm_params(norm, hidden_size);
  if (output_bias) p += d(vocab_size);
  return p + (final_norm ? norm_params(norm, hidden_size) : 0);
}

double ModelConfig::sum_over_layers(const std::function<double(long long layer)>& per_layer) const {
  const long long moe = num_moe_layers();
  double sum = 0;
  if (moe > 0) sum += d(moe) * per_layer(first_layer_of_kind(true));
  if (moe < num_layers) sum += d(num_layers - moe) * per_layer(first_layer_of_kind(false));
  return sum;
}

double ModelConfig::total_params() const {
  return embedding_params() + sum_over_layers([&](long long i) { return layer_params(i).total(); });
}

double ModelConfig::active_params() const {
  return embedding_params() + sum_over_layers([&](long long i) {
           const LayerParams p = layer_params(i);
           return p.tp_split + p.replicated +
                  (p.experts > 0 ? p.experts * d(experts_per_token) / d(num_experts) : 0.0);
         });
}

long long ModelConfig::first_layer_of_kind(bool moe) const {
  for (long long i = 0; i < num_layers; ++i) {
    if (is_moe_layer(i) == moe) return i;
  }
  return -1;
}

double ModelConfig::layer_active_matmul_params(long long layer) const {
  const double attention = attention_matmuls(*this).total();
  if (!is_moe_layer(layer)) return attention + mlp_matmul_params(*this, ffn_hidden_size);
  return attention + d(experts_per_token) * mlp_matmul_params(*this, expert_ffn_hidden_size()) +
         mlp_matmul_params(*this, shared_expert_ffn_hidden_size) +
         d(hidden_size) * d(num_experts);
}

std::optional<std::string> tensor_parallel_violation(const ModelConfig& m, int tp,
                                                     const std::string& flag) {
  if (tp < 1) return fmt::format("{}: tp must be >= 1, got {}", flag, tp);
  if (m.num_heads % tp != 0) {
    return fmt::format("{}: num_attention_heads {} of {} is not divisible by tp", flag,
                       m.num_heads, m.name);
  }
  if (!m.mla && m.num_kv_heads % tp != 0) {
    return fmt::format("{}: num_key_value_heads {} of {} is not divisible by tp (Megatron-Core "
                       "splits the query groups over tp and does not replicate them)",
                       flag, m.num_kv_heads, m.name);
  }
  if (m.num_moe_layers() < m.num_layers && m.ffn_hidden_size % tp != 0) {
    return fmt::format("{}: intermediate_size {} of {} is not divisible by tp", flag,
                       m.ffn_hidden_size, m.name);
  }
  if (m.is_moe() && m.expert_ffn_hidden_size() % tp != 0) {
    return fmt::format("{}: expert intermediate size {} of {} is not divisible by tp (expert "
                       "tensor parallelism = tp)", flag, m.expert_ffn_hidden_size(), m.name);
  }
  if (m.is_moe() && m.shared_expert_ffn_hidden_size % tp != 0) {
    return fmt::format("{}: shared expert intermediate size {} of {} is not divisible by tp",
                       flag, m.shared_expert_ffn_hidden_size, m.name);
  }
  return std::nullopt;
}

std::vector<std::string> model_preset_names() {
  std::vector<std::string> names;
  for (const auto& m : presets()) names.push_back(m.name);
  return names;
}

ModelConfig model_preset(const std::string& name) {
  for (const auto& m : presets()) {
    if (m.name == name) return m;
  }
  std::string known;
  for (const auto& n : model_preset_names()) known += (known.empty() ? "" : ", ") + n;
  throw ConfigError(fmt::format("--model: unknown preset '{}' (presets: {}; or a config.json path)",
                                name, known));
}

ModelConfig load_model(const std::string& name_or_path, const std::string& model_type_override) {
  const bool path = name_or_path.find('/') != std::string::npos ||
                    (name_or_path.size() > 5 && name_or_path.ends_with(".json"));
  if (!path && !model_type_override.empty()) {
    throw ConfigError(fmt::format("--model-type {}: applies to a config.json, not to the preset "
                                  "'{}'", model_type_override, name_or_path));
  }
  return path ? read_model_config(name_or_path, model_type_override) : model_preset(name_or_path);
}

}  // namespace meshbench
