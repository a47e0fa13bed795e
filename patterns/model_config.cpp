#include "patterns/model_config.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <optional>

namespace meshbench {

double ModelConfig::layer_params() const {
  const double h = static_cast<double>(hidden_size);
  const double attention = h * (h + 2.0 * static_cast<double>(kv_dim())) + h * h;
  const double norms = 2 * h;
  const double router = is_moe() ? h * static_cast<double>(num_experts) : 0;
  const double dense_mlp = is_moe() ? 0 : (swiglu ? 3.0 : 2.0) * h * static_cast<double>(ffn_hidden_size);
  return attention + norms + router + dense_mlp + layer_expert_params();
}

double ModelConfig::layer_expert_params() const {
  if (!is_moe()) return 0;
  return static_cast<double>(num_experts) * (swiglu ? 3.0 : 2.0) *
         static_cast<double>(hidden_size) * static_cast<double>(ffn_hidden_size);
}

double ModelConfig::embedding_params() const {
  const double e = static_cast<double>(vocab_size) * static_cast<double>(hidden_size);
  return tied_embeddings ? e : 2 * e;
}

namespace {

ModelConfig make(const char* name, long long h, long long layers, long long heads, long long kv,
                 long long ffn, long long vocab, bool swiglu, bool tied, long long experts = 0,
                 long long topk = 0) {
  ModelConfig m;
  m.name = name;
  m.hidden_size = h;
  m.num_layers = layers;
  m.num_heads = heads;
  m.num_kv_heads = kv;
  m.ffn_hidden_size = ffn;
  m.vocab_size = vocab;
  m.swiglu = swiglu;
  m.tied_embeddings = tied;
  m.num_experts = experts;
  m.experts_per_token = topk;
  for (const char* f : {"hidden_size", "num_layers", "num_heads", "num_kv_heads", "ffn_hidden_size",
                        "vocab_size", "num_experts", "experts_per_token", "swiglu",
                        "tied_embeddings"}) {
    m.provenance[f] = "preset";
  }
  return m;
}

const std::vector<ModelConfig>& presets() {
  // GPT-3: Brown et al. 2020 Table 2.1 (d_model 12288, 96 layers, 96 heads, d_ff = 4 d_model).
  // Llama 3: Meta's published config.json files (8B, 70B, 3.1 405B). Mixtral 8x7B: its
  // config.json. GPT-*: Narayanan et al. 2021 ("Efficient Large-Scale Language Model Training
  // on GPU Clusters Using Megatron-LM") Table 1, vocabulary 51200, d_ff = 4h.
  static const std::vector<ModelConfig> all = {
      make("gpt3-175b", 12288, 96, 96, 96, 4 * 12288, 50257, false, true),
      make("llama3-8b", 4096, 32, 32, 8, 14336, 128256, true, false),
      make("llama3-70b", 8192, 80, 64, 8, 28672, 128256, true, false),
      make("llama3-405b", 16384, 126, 128, 8, 53248, 128256, true, false),
      make("mixtral-8x7b", 4096, 32, 32, 8, 14336, 32000, true, false, 8, 2),
      make("gpt-1.7b", 2304, 24, 24, 24, 4 * 2304, 51200, false, true),
      make("gpt-3.6b", 3072, 30, 32, 32, 4 * 3072, 51200, false, true),
      make("gpt-7.5b", 4096, 36, 32, 32, 4 * 4096, 51200, false, true),
      make("gpt-18b", 6144, 40, 48, 48, 4 * 6144, 51200, false, true),
      make("gpt-39b", 8192, 48, 64, 64, 4 * 8192, 51200, false, true),
      make("gpt-76b", 10240, 60, 80, 80, 4 * 10240, 51200, false, true),
      make("gpt-145b", 12288, 80, 96, 96, 4 * 12288, 51200, false, true),
      make("gpt-310b", 16384, 96, 128, 128, 4 * 16384, 51200, false, true),
      make("gpt-530b", 20480, 105, 128, 128, 4 * 20480, 51200, false, true),
      make("gpt-1t", 25600, 128, 160, 160, 4 * 25600, 51200, false, true),
  };
  return all;
}

}  // namespace

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

ModelConfig read_model_config(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw ConfigError(fmt::format("{}: cannot open file", file.string()));
  const auto doc = nlohmann::json::parse(in, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    throw ConfigError(fmt::format("{}: not a JSON object", file.string()));
  }
  ModelConfig m;
  m.name = file.filename().string();
  auto integer = [&](std::initializer_list<const char*> keys, const char* field,
                     std::optional<long long> fallback, const std::string& why) -> long long {
    for (const char* k : keys) {
      if (!doc.contains(k) || doc[k].is_null()) continue;
      const auto& v = doc[k];
      if (!v.is_number_integer() || v.get<long long>() < 1) {
        throw ConfigError(fmt::format("{}: field '{}': expected a positive integer, got {}",
                                      file.string(), k, v.dump()));
      }
      m.provenance[field] = fmt::format("config.json ({})", k);
      return v.get<long long>();
    }
    if (!fallback) {
      throw ConfigError(fmt::format("{}: missing field '{}'", file.string(), *keys.begin()));
    }
    m.provenance[field] = "default: " + why;
    return *fallback;
  };
  m.hidden_size = integer({"hidden_size", "n_embd", "d_model"}, "hidden_size", std::nullopt, "");
  m.num_layers = integer({"num_hidden_layers", "n_layer"}, "num_layers", std::nullopt, "");
  m.num_heads = integer({"num_attention_heads", "n_head"}, "num_heads", std::nullopt, "");
  m.num_kv_heads = integer({"num_key_value_heads"}, "num_kv_heads", m.num_heads,
                           "num_attention_heads (multi-head attention)");
  m.ffn_hidden_size = integer({"intermediate_size", "n_inner", "ffn_dim"}, "ffn_hidden_size",
                              4 * m.hidden_size, "4 x hidden_size");
  m.vocab_size = integer({"vocab_size"}, "vocab_size", std::nullopt, "");
  m.num_experts = integer({"num_local_experts", "num_experts"}, "num_experts", 0, "dense (no experts)");
  m.experts_per_token = integer({"num_experts_per_tok", "moe_topk"}, "experts_per_token",
                                m.num_experts > 0 ? 2 : 0, m.num_experts > 0 ? "top-2" : "dense");
  const std::string act = doc.value("hidden_act", doc.value("activation_function", ""));
  m.swiglu = act == "silu" || act == "swiglu" || act == "swish";
  m.provenance["swiglu"] = act.empty() ? "default: no hidden_act (plain MLP)"
                                       : fmt::format("config.json (hidden_act {})", act);
  if (doc.contains("tie_word_embeddings") && doc["tie_word_embeddings"].is_boolean()) {
    m.tied_embeddings = doc["tie_word_embeddings"].get<bool>();
    m.provenance["tied_embeddings"] = "config.json (tie_word_embeddings)";
  } else {
    m.tied_embeddings = true;  // transformers' PretrainedConfig default
    m.provenance["tied_embeddings"] = "default: true (transformers' default)";
  }
  if (m.hidden_size % m.num_heads != 0) {
    throw ConfigError(fmt::format("{}: hidden_size {} is not a multiple of num_attention_heads {}",
                                  file.string(), m.hidden_size, m.num_heads));
  }
  if (m.num_heads % m.num_kv_heads != 0) {
    throw ConfigError(fmt::format("{}: num_attention_heads {} is not a multiple of "
                                  "num_key_value_heads {}", file.string(), m.num_heads,
                                  m.num_kv_heads));
  }
  return m;
}

ModelConfig load_model(const std::string& name_or_path) {
  const bool path = name_or_path.find('/') != std::string::npos ||
                    (name_or_path.size() > 5 && name_or_path.ends_with(".json"));
  return path ? read_model_config(name_or_path) : model_preset(name_or_path);
}

}  // namespace meshbench
