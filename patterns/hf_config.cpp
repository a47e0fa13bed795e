#include "patterns/hf_config.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

namespace meshbench {
namespace {

using nlohmann::json;

using namespace model_limits;
constexpr std::uintmax_t kMaxConfigBytes = 16u << 20;

/// A value for an error message, at most about 60 characters. Arrays and objects are named by
/// size, not dumped (dump recurses: a value nested 100k deep would overflow the stack).
std::string shown(const json& v) {
  if (v.is_array()) return fmt::format("a list of {} entries", v.size());
  if (v.is_object()) return fmt::format("an object of {} keys", v.size());
  std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

/// Typed access to one JSON object of a config file: every read names the file and the key
/// on failure, records where the field came from, and marks the key as used.
class Reader {
 public:
  /// `class_defaults`: field -> the value the architecture's config class gives a key the
  /// file leaves out (transformers fills it the same way), named `config_class` in provenance.
  Reader(std::string file, const json& doc, ModelConfig& m, std::string prefix,
         const std::map<std::string, long long>& class_defaults, std::string config_class)
      : file_(std::move(file)), doc_(doc), m_(m), prefix_(std::move(prefix)),
        class_defaults_(class_defaults), config_class_(std::move(config_class)) {}

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw ConfigError(fmt::format("{}: key '{}{}': {}", file_, prefix_, key, what));
  }

  /// The first of `keys` that is present and not null.
  const char* find(std::initializer_list<const char*> keys) {
    for (const char* k : keys) {
      if (!doc_.contains(k)) continue;
      read_.insert(k);
      if (!doc_[k].is_null()) return k;
    }
    return nullptr;
  }

  std::optional<long long> integer(const char* field, std::initializer_list<const char*> keys,
                                   long long min, long long max) {
    const char* k = find(keys);
    if (!k) return std::nullopt;
    const json& v = doc_[k];
    const double x = v.is_number() ? v.get<double>() : std::nan("");
    if (!std::isfinite(x) || x != std::floor(x) || x < static_cast<double>(min) ||
        x > static_cast<double>(max)) {
      fail(k, fmt::format("expected an integer in [{}, {}], got {}", min, max, shown(v)));
    }
    m_.provenance[field] = fmt::format("config.json ({}{})", prefix_, k);
    return static_cast<long long>(x);
  }

  long long required(const char* field, std::initializer_list<const char*> keys, long long min,
                     long long max) {
    if (auto v = integer(field, keys, min, max)) return *v;
    if (auto d = class_default(field)) return *d;
    std::string names;
    for (const char* k : keys) names += fmt::format("{}'{}{}'", names.empty() ? "" : " or ", prefix_, k);
    throw ConfigError(fmt::format("{}: missing key {} (needed for {} as {})", file_, names, field,
                                  m_.architecture));
  }

  long long integer_or(const char* field, std::initializer_list<const char*> keys, long long min,
                       long long max, long long fallback, const std::string& why) {
    if (auto v = integer(field, keys, min, max)) return *v;
    if (auto d = class_default(field)) return *d;
    m_.provenance[field] = "default: " + why;
    return fallback;
  }

  std::optional<long long> class_default(const char* field) {
    const auto it = class_defaults_.find(field);
    if (it == class_defaults_.end()) return std::nullopt;
    m_.provenance[field] = fmt::format("default: {} ({}'s default; the file leaves it out)",
                                       it->second, config_class_);
    return it->second;
  }

  std::optional<bool> boolean(const char* key) {
    const char* k = find({key});
    if (!k) return std::nullopt;
    if (!doc_[k].is_boolean()) fail(k, fmt::format("expected true or false, got {}", shown(doc_[k])));
    return doc_[k].get<bool>();
  }

  bool boolean_or(const char* field, const char* key, bool fallback, const std::string& why) {
    if (auto v = boolean(key)) {
      m_.provenance[field] = fmt::format("config.json ({}{})", prefix_, key);
      return *v;
    }
    m_.provenance[field] = "default: " + why;
    return fallback;
  }

  /// A string-valued key; present but not a string (null included) is an error.
  std::optional<std::string> text(const char* key) {
    if (!doc_.contains(key)) return std::nullopt;
    read_.insert(key);
    if (!doc_[key].is_string()) fail(key, fmt::format("expected a string, got {}", shown(doc_[key])));
    return doc_[key].get<std::string>();
  }

  std::vector<long long> integer_list(const char* key, long long max) {
    std::vector<long long> out;
    const char* k = find({key});
    if (!k) return out;
    const json& v = doc_[k];
    if (!v.is_array() || v.size() > static_cast<std::size_t>(kMaxLayers)) {
      fail(k, fmt::format("expected a list of layer indices, got {}", shown(v)));
    }
    for (const json& e : v) {
      if (!e.is_number_integer() || e.get<long long>() < 0 || e.get<long long>() > max) {
        fail(k, fmt::format("expected layer indices in [0, {}], got {}", max, shown(e)));
      }
      out.push_back(e.get<long long>());
    }
    return out;
  }

  void mark(const char* key) {
    if (doc_.contains(key)) read_.insert(key);
  }
  bool has(const char* key) const { return doc_.contains(key) && !doc_[key].is_null(); }

  std::vector<std::string> unread() const {
    std::vector<std::string> out;
    for (const auto& [k, v] : doc_.items()) {
      if (!read_.count(k)) out.push_back(prefix_ + k);
    }
    return out;
  }


 private:
  std::string file_;
  const json& doc_;
  ModelConfig& m_;
  std::string prefix_;
  const std::map<std::string, long long>& class_defaults_;
  std::string config_class_;
  std::set<std::string> read_;
};

// ---- the keys each family uses -------------------------------------------------------------

void read_core(Reader& r, ModelConfig& m, std::initializer_list<const char*> hidden,
               std::initializer_list<const char*> layers, std::initializer_list<const char*> heads) {
  m.hidden_size = r.required("hidden_size", hidden, 1, kMaxHidden);
  m.num_layers = r.required("num_layers", layers, 1, kMaxLayers);
  m.num_heads = r.required("num_heads", heads, 1, kMaxHeads);
  m.vocab_size = r.required("vocab_size", {"vocab_size"}, 1, kMaxVocab);
}

/// Llama and the families that copy its config (Mistral, Qwen, Gemma, Phi-3, OLMo).
void read_llama_like(Reader& r, ModelConfig& m) {
  read_core(r, m, {"hidden_size"}, {"num_hidden_layers"}, {"num_attention_heads"});
  m.num_kv_heads = r.integer_or("num_kv_heads", {"num_key_value_heads"}, 1, kMaxHeads,
                                m.num_heads, "num_attention_heads (multi-head attention)");
  if (m.num_kv_heads > m.num_heads) {
    r.fail("num_key_value_heads", fmt::format("{} is more than num_attention_heads {}",
                                              m.num_kv_heads, m.num_heads));
  }
  m.kv_channels = r.integer_or("head_dim", {"head_dim"}, 1, kMaxHeads, 0,
                               "hidden_size / num_attention_heads");
  m.ffn_hidden_size = r.required("ffn_hidden_size", {"intermediate_size"}, 1, kMaxWidth);
  if (auto a = r.text("hidden_act")) m.provenance["activation"] = fmt::format("config.json (hidden_act: {})", *a);
  // Gemma's configs serialise GemmaConfig's hidden_activation=None as null: absent, not wrong.
  if (r.has("hidden_activation")) {
    if (auto a = r.text("hidden_activation")) m.provenance["activation"] = fmt::format("config.json (hidden_activation: {})", *a);
  } else {
    r.mark("hidden_activation");
  }
}

void read_attention_bias(Reader& r, ModelConfig& m) {
  if (auto b = r.boolean("attention_bias")) m.qkv_bias = m.out_bias = *b;
}

void read_llama(Reader& r, ModelConfig& m) {
  read_llama_like(r, m);
  read_attention_bias(r, m);
  if (auto b = r.boolean("mlp_bias")) m.mlp_bias = *b;
}

void read_top_k(Reader& r, ModelConfig& m) {
  m.experts_per_token = r.required("experts_per_token", {"num_experts_per_tok"}, 1, kMaxExperts);
  if (m.experts_per_token > m.num_experts) {
    r.fail("num_experts_per_tok", fmt::format("{} is more than the {} experts", m.experts_per_token,
                                              m.num_experts));
  }
}

/// Every layer MoE, each expert as wide as intermediate_size, the expert count under `key`.
void read_all_layers_moe(Reader& r, ModelConfig& m, const char* key) {
  read_llama_like(r, m);
  m.num_experts = r.required("num_experts", {key}, 1, kMaxExperts);
  read_top_k(r, m);
  m.provenance["moe_ffn_hidden_size"] = "config.json (intermediate_size: every layer is MoE)";
}

void read_mixtral(Reader& r, ModelConfig& m) { read_all_layers_moe(r, m, "num_local_experts"); }

/// OLMoE (modeling_olmoe.py): Mixtral's layout with the count under num_experts, no shared
/// expert; the Q/K norms are the table row's.
void read_olmoe(Reader& r, ModelConfig& m) { read_all_layers_moe(r, m, "num_experts"); }

/// Qwen2-MoE and Qwen3-MoE: layer i is MoE unless listed in mlp_only_layers, and only every
/// decoder_sparse_step-th layer ((i + 1) % step == 0), as modeling_qwen2_moe.py and
/// modeling_qwen3_moe.py decide; experts moe_intermediate_size wide.
void read_qwen_moe_layers(Reader& r, ModelConfig& m) {
  read_llama_like(r, m);
  m.num_experts = r.required("num_experts", {"num_experts"}, 1, kMaxExperts);
  read_top_k(r, m);
  m.moe_ffn_hidden_size = r.required("moe_ffn_hidden_size", {"moe_intermediate_size"}, 1, kMaxWidth);
  const long long step = r.integer_or("decoder_sparse_step", {"decoder_sparse_step"}, 1, kMaxLayers,
                                      1, "1 (every layer)");
  const auto dense = r.integer_list("mlp_only_layers", m.num_layers - 1);
  m.moe_layers.assign(static_cast<std::size_t>(m.num_layers), false);
  for (long long i = 0; i < m.num_layers; ++i) m.moe_layers[i] = (i + 1) % step == 0;
  for (long long i : dense) m.moe_layers[i] = false;
}

/// Qwen2-MoE adds a gated shared expert and qkv_bias (Qwen2MoeSparseMoeBlock).
void read_qwen_moe(Reader& r, ModelConfig& m) {
  read_qwen_moe_layers(r, m);
  if (auto b = r.boolean("qkv_bias")) m.qkv_bias = *b;
  m.shared_expert_ffn_hidden_size = r.integer_or(
      "shared_expert_ffn_hidden_size", {"shared_expert_intermediate_size"}, 0, kMaxWidth, 0, "none");
  m.shared_expert_gate = m.shared_expert_ffn_hidden_size > 0;
}

/// Qwen3-MoE has neither (Qwen3MoeSparseMoeBlock); its biases are attention_bias.
void read_qwen3_moe(Reader& r, ModelConfig& m) {
  read_qwen_moe_layers(r, m);
  read_attention_bias(r, m);
}

void read_qwen3(Reader& r, ModelConfig& m) {
  read_llama_like(r, m);
  read_attention_bias(r, m);
}

/// DeepSeek-V2/V3 (modeling_deepseek.py): MLA attention; layer i is MoE when routed experts
/// exist, i >= first_k_dense_replace and i % moe_layer_freq == 0; n_shared_experts shared
/// experts of moe_intermediate_size each.
void read_deepseek(Reader& r, ModelConfig& m) {
  read_core(r, m, {"hidden_size"}, {"num_hidden_layers"}, {"num_attention_heads"});
  m.num_kv_heads = m.num_heads;
  r.mark("num_key_value_heads");  // MLA has no KV groups; every head reads the shared latent
  m.ffn_hidden_size = r.required("ffn_hidden_size", {"intermediate_size"}, 1, kMaxWidth);
  MlaDims a;
  a.q_lora_rank = r.integer_or("q_lora_rank", {"q_lora_rank"}, 1, kMaxWidth, 0,
                               "none (a full query projection)");
  a.kv_lora_rank = r.required("kv_lora_rank", {"kv_lora_rank"}, 1, kMaxWidth);
  a.qk_nope_head_dim = r.required("qk_nope_head_dim", {"qk_nope_head_dim"}, 1, kMaxHeads);
  a.qk_rope_head_dim = r.required("qk_rope_head_dim", {"qk_rope_head_dim"}, 0, kMaxHeads);
  a.v_head_dim = r.required("v_head_dim", {"v_head_dim"}, 1, kMaxHeads);
  m.mla = a;
  m.kv_channels = a.qk_head_dim();  // the query/key head; values have v_head_dim
  read_attention_bias(r, m);
  m.mtp_layers = r.integer_or("mtp_layers", {"num_nextn_predict_layers"}, 0, kMaxLayers, 0, "none");
  if (m.mtp_layers > 0) {
    m.notes.push_back(fmt::format("num_nextn_predict_layers {}: multi-token-prediction layers "
                                  "are reported, not counted (nor in the published totals)",
                                  m.mtp_layers));
  }
  m.num_experts = r.integer_or("num_experts", {"n_routed_experts"}, 1, kMaxExperts, 0, "dense");
  for (const char* k : {"num_experts_per_tok", "moe_intermediate_size", "n_shared_experts",
                        "first_k_dense_replace", "moe_layer_freq", "topk_method"}) {
    r.mark(k);
  }
  if (m.num_experts == 0) return;
  read_top_k(r, m);
  m.moe_ffn_hidden_size = r.required("moe_ffn_hidden_size", {"moe_intermediate_size"}, 1, kMaxWidth);
  const long long shared = r.integer_or("n_shared_experts", {"n_shared_experts"}, 0, kMaxExperts, 0,
                                        "none");
  m.shared_expert_ffn_hidden_size = shared * m.moe_ffn_hidden_size;
  if (shared > 0) {
    m.provenance["shared_expert_ffn_hidden_size"] = "config.json (n_shared_experts x moe_intermediate_size)";
  }
  const long long first_dense = r.integer_or("first_k_dense_replace", {"first_k_dense_replace"}, 0,
                                             m.num_layers, 0, "0 (no dense layers)");
  const long long freq = r.integer_or("moe_layer_freq", {"moe_layer_freq"}, 1, kMaxLayers, 1,
                                      "1 (every layer)");
  m.moe_layers.assign(static_cast<std::size_t>(m.num_layers), false);
  for (long long i = first_dense; i < m.num_layers; ++i) m.moe_layers[i] = i % freq == 0;
  // V3's aux-loss-free balancing adds a per-expert bias to the router (e_score_correction_bias).
  m.router_bias = r.text("topk_method").value_or(m.architecture == "deepseek_v3" ? "noaux_tc" : "greedy") ==
                  "noaux_tc";
}

/// Falcon in both spellings: the original RW configs (RefinedWebModel: 7B, multi-query;
/// RefinedWeb: 40B/180B, grouped KV and two norms per layer) and transformers' "falcon".
void read_falcon(Reader& r, ModelConfig& m) {
  read_core(r, m, {"hidden_size", "n_embd"}, {"num_hidden_layers", "n_layer"},
            {"num_attention_heads", "n_head"});
  const bool rw_40b = m.architecture == "RefinedWeb";
  const bool new_arch = rw_40b || r.boolean_or("new_decoder_architecture", "new_decoder_architecture",
                                               false, "false (FalconConfig)");
  if (rw_40b) m.provenance["new_decoder_architecture"] = "model_type RefinedWeb (the 40B/180B layout)";
  if (new_arch) {
    r.mark("multi_query");  // the grouped-KV layout ignores it
    m.num_kv_heads = r.required("num_kv_heads", {"num_kv_heads", "n_head_kv"}, 1, kMaxHeads);
    if (m.num_kv_heads > m.num_heads) {
      r.fail(r.has("num_kv_heads") ? "num_kv_heads" : "n_head_kv",
             fmt::format("{} is more than the {} attention heads", m.num_kv_heads, m.num_heads));
    }
  } else {
    const bool multi_query = r.boolean_or("multi_query", "multi_query", m.architecture == "falcon",
                                          m.architecture == "falcon" ? "true (FalconConfig)"
                                                                     : "false (RWConfig)");
    r.mark("num_kv_heads");
    r.mark("n_head_kv");
    m.num_kv_heads = multi_query ? 1 : m.num_heads;
    m.provenance["num_kv_heads"] = multi_query ? "config.json (multi_query: one KV head)"
                                               : "config.json (multi_query false: one per head)";
  }
  m.ffn_hidden_size = r.integer_or("ffn_hidden_size", {"ffn_hidden_size"}, 1, kMaxWidth,
                                   4 * m.hidden_size, "4 x hidden_size");
  // modeling_falcon.py: ln_attn + ln_mlp when the new layout has 2 parallel norms; else an
  // input_layernorm, and a post_attention_layernorm unless attention and MLP run in parallel.
  const bool parallel = r.boolean_or("parallel_attn", "parallel_attn", m.architecture != "RefinedWebModel",
                                     m.architecture != "RefinedWebModel" ? "true (FalconConfig)"
                                                                         : "false (RWConfig)");
  r.mark("num_ln_in_parallel_attn");
  const bool two_parallel_norms =
      new_arch && r.integer_or("norms_per_layer", {"num_ln_in_parallel_attn"}, 1, 2, 2,
                               "2 (new_decoder_architecture)") == 2;
  m.norms_per_layer = two_parallel_norms ? 2 : parallel ? 1 : 2;
  const bool bias = r.boolean_or("bias", "bias", false, "false");
  m.qkv_bias = m.out_bias = m.mlp_bias = bias;
}

/// GPT-2 and GPT-J name their sizes alike (n_embd, n_layer, n_head, n_inner null = 4h); GPT-2
/// learns n_positions position embeddings, GPT-J is rotary.
void read_gpt_style(Reader& r, ModelConfig& m, bool learned_positions) {
  read_core(r, m, {"n_embd"}, {"n_layer"}, {"n_head"});
  m.num_kv_heads = m.num_heads;
  m.ffn_hidden_size = r.integer_or("ffn_hidden_size", {"n_inner"}, 1, kMaxWidth, 4 * m.hidden_size,
                                   "4 x n_embd (n_inner absent or null)");
  if (learned_positions) {
    m.learned_positions = r.required("learned_positions", {"n_positions"}, 1, kMaxWidth);
  }
  r.text("activation_function");
}

void read_gpt2(Reader& r, ModelConfig& m) { read_gpt_style(r, m, true); }
void read_gptj(Reader& r, ModelConfig& m) { read_gpt_style(r, m, false); }

void read_gpt_neox(Reader& r, ModelConfig& m) {
  read_core(r, m, {"hidden_size"}, {"num_hidden_layers"}, {"num_attention_heads"});
  m.num_kv_heads = m.num_heads;
  m.ffn_hidden_size = r.required("ffn_hidden_size", {"intermediate_size"}, 1, kMaxWidth);
  r.text("hidden_act");
  if (auto b = r.boolean("attention_bias")) m.qkv_bias = m.out_bias = *b;
}

void read_opt(Reader& r, ModelConfig& m) {
  read_core(r, m, {"hidden_size"}, {"num_hidden_layers"}, {"num_attention_heads"});
  m.num_kv_heads = m.num_heads;
  m.ffn_hidden_size = r.required("ffn_hidden_size", {"ffn_dim"}, 1, kMaxWidth);
  // OPTLearnedPositionalEmbedding keeps 2 rows more than max_position_embeddings.
  m.learned_positions = r.required("learned_positions", {"max_position_embeddings"}, 1, kMaxWidth) + 2;
  if (auto proj = r.integer("word_embed_proj_dim", {"word_embed_proj_dim"}, 1, kMaxHidden);
      proj && *proj != m.hidden_size) {
    r.fail("word_embed_proj_dim", fmt::format("{} differs from hidden_size {}: OPT's project_in/"
                                              "project_out variant is not modelled", *proj,
                                              m.hidden_size));
  }
  if (auto b = r.boolean("enable_bias")) m.qkv_bias = m.out_bias = m.mlp_bias = *b;
  m.final_norm = r.boolean("do_layer_norm_before").value_or(true);  // OPTDecoder's final_layer_norm
  r.text("activation_function");
}

void read_bloom(Reader& r, ModelConfig& m) {
  read_core(r, m, {"hidden_size", "n_embed"}, {"n_layer", "num_hidden_layers"},
            {"n_head", "num_attention_heads"});
  m.num_kv_heads = m.num_heads;
  m.ffn_hidden_size = 4 * m.hidden_size;
  m.provenance["ffn_hidden_size"] = "architecture (BloomMLP: 4 x hidden_size)";
}

// ---- the table ------------------------------------------------------------------------------

struct Architecture {
  const char* model_type;
  std::vector<const char*> classes;  ///< `architectures` entries that mean this model_type
  void (*read)(Reader&, ModelConfig&);
  bool gated_mlp;
  NormKind norm;
  int norms_per_layer;
  QkNorm qk_norm;
  bool qkv_bias, out_bias, mlp_bias, output_bias;
  bool tied_default;  ///< the config class's default for tie_word_embeddings
  bool embedding_norm;
};

/// Gemma3TextConfig's defaults (transformers configuration_gemma3.py) for the keys Gemma 3's
/// published multimodal configs leave out of text_config (the 4B lists no heads, no head_dim,
/// no vocabulary). The sizes that make the model (hidden, layers, MLP) stay required.
const std::map<std::string, long long>& gemma3_text_config_defaults() {
  static const std::map<std::string, long long> d = {
      {"vocab_size", 262208}, {"num_heads", 8}, {"num_kv_heads", 4}, {"head_dim", 256}};
  return d;
}

// Traits as transformers' modeling_<type>.py builds each model.
const std::vector<Architecture>& architectures() {
  using N = NormKind;
  using Q = QkNorm;
  static const std::vector<Architecture> all = {
      {"llama", {"LlamaForCausalLM"}, read_llama, true, N::kRms, 2, Q::kNone, false, false, false, false, false, false},
      {"mistral", {"MistralForCausalLM"}, read_llama_like, true, N::kRms, 2, Q::kNone, false, false, false, false, false, false},
      {"mixtral", {"MixtralForCausalLM"}, read_mixtral, true, N::kRms, 2, Q::kNone, false, false, false, false, false, false},
      {"qwen2", {"Qwen2ForCausalLM"}, read_llama_like, true, N::kRms, 2, Q::kNone, true, false, false, false, false, false},
      {"qwen2_moe", {"Qwen2MoeForCausalLM"}, read_qwen_moe, true, N::kRms, 2, Q::kNone, true, false, false, false, false, false},
      {"qwen3", {"Qwen3ForCausalLM"}, read_qwen3, true, N::kRms, 2, Q::kPerHead, false, false, false, false, false, false},
      {"qwen3_moe", {"Qwen3MoeForCausalLM"}, read_qwen3_moe, true, N::kRms, 2, Q::kPerHead, false, false, false, false, false, false},
      {"deepseek_v2", {"DeepseekV2ForCausalLM"}, read_deepseek, true, N::kRms, 2, Q::kNone, false, false, false, false, false, false},
      {"deepseek_v3", {"DeepseekV3ForCausalLM"}, read_deepseek, true, N::kRms, 2, Q::kNone, false, false, false, false, false, false},
      {"gemma", {"GemmaForCausalLM"}, read_llama_like, true, N::kRms, 2, Q::kNone, false, false, false, false, true, false},
      {"gemma2", {"Gemma2ForCausalLM"}, read_llama_like, true, N::kRms, 4, Q::kNone, false, false, false, false, true, false},
      {"gemma3_text", {"Gemma3ForCausalLM"}, read_llama_like, true, N::kRms, 4, Q::kPerHead, false, false, false, false, true, false},
      {"phi3", {"Phi3ForCausalLM"}, read_llama_like, true, N::kRms, 2, Q::kNone, false, false, false, false, false, false},
      {"olmo", {"OlmoForCausalLM", "OLMoForCausalLM"}, read_llama_like, true, N::kNonParametric, 2, Q::kNone, false, false, false, false, false, false},
      {"olmo2", {"Olmo2ForCausalLM"}, read_llama_like, true, N::kRms, 2, Q::kFullWidth, false, false, false, false, false, false},
      // Olmo 3: Olmo 2's weights; layer_types only says which layers attend in a window.
      {"olmo3", {"Olmo3ForCausalLM"}, read_llama_like, true, N::kRms, 2, Q::kFullWidth, false, false, false, false, false, false},
      {"olmoe", {"OlmoeForCausalLM"}, read_olmoe, true, N::kRms, 2, Q::kFullWidth, false, false, false, false, false, false},
      {"falcon", {"FalconForCausalLM"}, read_falcon, false, N::kLayer, 2, Q::kNone, false, false, false, false, true, false},
      {"RefinedWeb", {"RWForCausalLM"}, read_falcon, false, N::kLayer, 2, Q::kNone, false, false, false, false, true, false},
      {"RefinedWebModel", {"RWForCausalLM"}, read_falcon, false, N::kLayer, 2, Q::kNone, false, false, false, false, true, false},
      {"gpt2", {"GPT2LMHeadModel"}, read_gpt2, false, N::kLayer, 2, Q::kNone, true, true, true, false, true, false},
      {"gpt_neox", {"GPTNeoXForCausalLM"}, read_gpt_neox, false, N::kLayer, 2, Q::kNone, true, true, true, false, false, false},
      {"gptj", {"GPTJForCausalLM"}, read_gptj, false, N::kLayer, 1, Q::kNone, false, false, true, true, false, false},
      {"opt", {"OPTForCausalLM"}, read_opt, false, N::kLayer, 2, Q::kNone, true, true, true, false, true, false},
      {"bloom", {"BloomForCausalLM"}, read_bloom, false, N::kLayer, 2, Q::kNone, true, true, true, false, true, true},
  };
  return all;
}

std::string known_list() {
  std::string s;
  for (const auto& a : architectures()) s += fmt::format("{}{}", s.empty() ? "" : ", ", a.model_type);
  return s + ", gemma3";
}

const Architecture* find_architecture(const std::string& model_type) {
  for (const auto& a : architectures()) {
    if (model_type == a.model_type) return &a;
  }
  return nullptr;
}

/// Whether the class `cls` is one of `a`'s: listed, or a listed class's stem with another head
/// (LlamaForSequenceClassification, GemmaModel), which builds the same decoder.
bool class_fits(const Architecture& a, const std::string& cls) {
  static const char* kHeads[] = {"ForCausalLM", "LMHeadModel", "Model", "ForSequenceClassification",
                                 "ForTokenClassification", "ForQuestionAnswering"};
  for (const std::string c : a.classes) {
    std::string stem = c;
    for (const char* head : {"ForCausalLM", "LMHeadModel"}) {
      if (stem.ends_with(head)) stem.resize(stem.size() - std::string(head).size());
    }
    for (const char* head : kHeads) {
      if (cls == stem + head) return true;
    }
  }
  return false;
}

/// The rows whose classes `cls` fits (more than one: ambiguous, e.g. RWForCausalLM).
std::vector<const Architecture*> rows_of_class(const std::string& cls) {
  std::vector<const Architecture*> out;
  for (const auto& a : architectures()) {
    if (class_fits(a, cls)) out.push_back(&a);
  }
  return out;
}

std::optional<std::string> first_class_name(const json& doc) {
  if (!doc.contains("architectures") || !doc["architectures"].is_array() ||
      doc["architectures"].empty() || !doc["architectures"][0].is_string()) {
    return std::nullopt;
  }
  return doc["architectures"][0].get<std::string>();
}

json parse_file(const std::filesystem::path& file) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) {
    throw ConfigError(fmt::format("{}: is a directory, give the config.json inside it",
                                  file.string()));
  }
  const auto size = std::filesystem::file_size(file, ec);
  std::ifstream in(file, std::ios::binary);
  if (ec || !in) throw ConfigError(fmt::format("{}: cannot open file", file.string()));
  if (size > kMaxConfigBytes) {
    throw ConfigError(fmt::format("{}: {} bytes, more than a config.json holds (16 MiB at most)",
                                  file.string(), size));
  }
  std::stringstream text;
  text << in.rdbuf();
  try {
    json doc = json::parse(text.str());
    if (!doc.is_object()) throw ConfigError(fmt::format("{}: not a JSON object", file.string()));
    return doc;
  } catch (const json::exception& e) {
    // nlohmann's parse errors carry the byte offset; keep only that part of its message.
    const std::string what = e.what();
    const auto at = what.find("at line");
    throw ConfigError(fmt::format("{}: not valid JSON ({})", file.string(),
                                  at == std::string::npos ? "parse error" : what.substr(at)));
  }
}

/// The architecture of `doc`: --model-type; else model_type, which architectures[0] (when
/// given) must agree with; else, for a model_type the table does not know (a fine-tune's own,
/// such as Kimi K2's kimi_k2) or none, the one row whose modeling class architectures[0] is.
/// The inference is recorded in the notes; a contradiction or an ambiguity is refused.
const Architecture& identify(const std::string& file, const json& doc, const std::string& override_type,
                             ModelConfig& m) {
  const std::string hint = fmt::format("known: {}; or name one with --model-type", known_list());
  if (!override_type.empty()) {
    const Architecture* a = find_architecture(override_type);
    if (!a) {
      throw ConfigError(fmt::format("--model-type: unknown model type '{}' (known: {})",
                                    override_type, known_list()));
    }
    m.notes.push_back(fmt::format("read as model_type {} (--model-type){}", override_type,
                                  doc.contains("model_type") ? fmt::format(", not the file's {}",
                                                                           shown(doc["model_type"]))
                                                             : ""));
    return *a;
  }
  if (doc.contains("model_type") && !doc["model_type"].is_string()) {
    throw ConfigError(fmt::format("{}: key 'model_type': expected a string, got {}", file,
                                  shown(doc["model_type"])));
  }
  const std::string type = doc.value("model_type", "");
  const std::optional<std::string> cls = first_class_name(doc);
  if (const Architecture* a = find_architecture(type)) {
    if (cls && !class_fits(*a, *cls)) {
      // e.g. SantaCoder: model_type gpt2 over GPT2LMHeadCustomModel, a multi-query variant.
      throw ConfigError(fmt::format("{}: key 'architectures': {} is not a {} class the table "
                                    "knows (it may change the layers); --model-type {} reads it "
                                    "as one anyway", file, *cls, type, type));
    }
    return *a;
  }
  if (cls) {
    const auto rows = rows_of_class(*cls);
    if (rows.size() == 1) {
      m.notes.push_back(fmt::format("{}: read as {} from architectures {}",
                                    type.empty() ? std::string("no model_type")
                                                 : "model_type " + type + " is not in the table",
                                    rows[0]->model_type, *cls));
      return *rows[0];
    }
    if (rows.size() > 1) {
      throw ConfigError(fmt::format("{}: key 'architectures': {} is {} or {}: name one with "
                                    "--model-type", file, *cls, rows[0]->model_type,
                                    rows[1]->model_type));
    }
  }
  if (!type.empty()) {
    throw ConfigError(fmt::format("{}: key 'model_type': unknown architecture '{}' ({})", file, type, hint));
  }
  if (cls) {
    throw ConfigError(fmt::format("{}: key 'architectures': unknown architecture '{}' ({})", file,
                                  *cls, hint));
  }
  throw ConfigError(fmt::format("{}: names no model_type or architectures ({})", file, hint));
}

void apply_traits(const Architecture& a, ModelConfig& m) {
  m.architecture = a.model_type;
  m.gated_mlp = a.gated_mlp;
  m.norm = a.norm;
  m.norms_per_layer = a.norms_per_layer;
  m.qk_norm = a.qk_norm;
  m.qkv_bias = a.qkv_bias;
  m.out_bias = a.out_bias;
  m.mlp_bias = a.mlp_bias;
  m.output_bias = a.output_bias;
  m.embedding_norm = a.embedding_norm;
  m.provenance["gated_mlp"] = fmt::format("architecture {} ({})", a.model_type,
                                          a.gated_mlp ? "gated MLP, 3 matrices" : "2-matrix MLP");
}

void check_shapes(Reader& r, ModelConfig& m) {
  if (m.kv_channels == 0 && !m.mla && m.hidden_size % m.num_heads != 0) {
    r.fail("num_attention_heads", fmt::format("{} does not divide hidden_size {} and there is no "
                                              "head_dim", m.num_heads, m.hidden_size));
  }
  if (!m.mla && m.num_heads % m.num_kv_heads != 0) {
    r.fail("num_key_value_heads", fmt::format("{} does not divide num_attention_heads {}",
                                              m.num_kv_heads, m.num_heads));
  }
  // Products of bounded keys can still be absurd (heads x head_dim, shared experts x width).
  if (m.q_dim() > kMaxWidth || m.k_dim() > kMaxWidth || m.v_dim() > kMaxWidth) {
    r.fail("num_attention_heads", fmt::format("{} heads of {} make a projection wider than {}",
                                              m.num_heads, m.head_dim(), kMaxWidth));
  }
  if (m.shared_expert_ffn_hidden_size > kMaxWidth) {
    r.fail("n_shared_experts", fmt::format("shared experts {} wide, more than {}",
                                           m.shared_expert_ffn_hidden_size, kMaxWidth));
  }
  if (m.is_moe() && m.num_moe_layers() == 0) {
    m.notes.push_back(fmt::format("{} experts but no MoE layer (decoder_sparse_step, "
                                  "mlp_only_layers or first_k_dense_replace): read as dense",
                                  m.num_experts));
  }
}

std::string display_name(const std::filesystem::path& file) {
  if (file.filename() == "config.json" && file.has_parent_path() &&
      !file.parent_path().filename().empty()) {
    return file.parent_path().filename().string() + "/config.json";
  }
  return file.filename().string();
}

}  // namespace

ModelConfig read_model_config(const std::filesystem::path& path, const std::string& model_type_override) {
  const std::string file = path.string();
  const json doc = parse_file(path);
  ModelConfig m;
  m.name = display_name(path);
  // Gemma 3's multimodal configs nest the language model in text_config.
  const bool nested = (model_type_override.empty() ? doc.value("model_type", json()) == "gemma3"
                                                   : model_type_override == "gemma3");
  if (nested && !(doc.contains("text_config") && doc["text_config"].is_object())) {
    throw ConfigError(fmt::format("{}: key 'text_config': model_type gemma3 needs the language "
                                  "model's text_config object", file));
  }
  const json& body = nested ? doc["text_config"] : doc;
  const Architecture& arch = nested ? *find_architecture("gemma3_text")
                                    : identify(file, doc, model_type_override, m);
  apply_traits(arch, m);
  static const std::map<std::string, long long> kNone;
  Reader r(file, body, m, nested ? "text_config." : "", nested ? gemma3_text_config_defaults() : kNone,
           "Gemma3TextConfig");
  r.mark("model_type");
  r.mark("architectures");
  arch.read(r, m);
  bool tied_default = arch.tied_default;
  std::string tied_why = fmt::format("{} ({}'s default)", tied_default, arch.model_type);
  if (nested && doc.contains("tie_word_embeddings")) {
    // The outer Gemma3Config carries the flag for the whole model.
    if (!doc["tie_word_embeddings"].is_boolean()) {
      throw ConfigError(fmt::format("{}: key 'tie_word_embeddings': expected true or false, got {}",
                                    file, shown(doc["tie_word_embeddings"])));
    }
    tied_default = doc["tie_word_embeddings"].get<bool>();
    tied_why = "config.json (tie_word_embeddings of the outer config)";
  }
  m.tied_embeddings = r.boolean_or("tied_embeddings", "tie_word_embeddings", tied_default, tied_why);
  r.mark("sliding_window");
  if (r.has("sliding_window") && r.boolean("use_sliding_window").value_or(true)) {
    m.notes.push_back("sliding_window is set: attention FLOPs are counted over the full sequence "
                      "(an upper bound for the windowed layers)");
  }
  check_shapes(r, m);
  m.ignored_keys = r.unread();
  // An expert count the reader left unread is a mixture of experts read as dense (a wrong
  // --model-type): the parameter count would be off by the experts, so refuse.
  for (const char* key : {"num_experts", "num_local_experts", "n_routed_experts", "moe_num_experts"}) {
    if (std::find(m.ignored_keys.begin(), m.ignored_keys.end(), key) == m.ignored_keys.end()) continue;
    const json& v = body[key];
    if (v.is_number_integer() && v.get<long long>() > 1) {
      throw ConfigError(fmt::format("{}: key '{}{}': {} experts, which the {} reader does not "
                                    "model (it reads a dense model); give the --model-type of a "
                                    "mixture-of-experts architecture", file,
                                    nested ? "text_config." : "", key, v.get<long long>(),
                                    arch.model_type));
    }
  }
  if (nested) {
    m.notes.push_back("gemma3: the language model of text_config is read; the vision tower is "
                      "not counted");
    for (const auto& [k, v] : doc.items()) {
      if (k != "text_config" && k != "model_type" && k != "architectures") m.ignored_keys.push_back(k);
    }
  }
  return m;
}

}  // namespace meshbench
