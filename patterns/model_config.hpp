#pragma once
// The transformer a traffic pattern is derived from: a Hugging Face config.json or a built-in
// preset. Pure data, no I/O beyond reading the JSON file.

#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace meshbench {

/// Bad model or training input: the message names the file or flag, the field and the value.
class ConfigError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct ModelConfig {
  std::string name;
  long long hidden_size = 0;          ///< h
  long long num_layers = 0;           ///< L
  long long num_heads = 0;            ///< a (query heads)
  long long num_kv_heads = 0;         ///< GQA groups; = num_heads for multi-head attention
  long long ffn_hidden_size = 0;      ///< MLP width (per expert for MoE)
  long long vocab_size = 0;           ///< V
  long long num_experts = 0;          ///< 0: dense MLP
  long long experts_per_token = 0;    ///< top-k routing (MoE only)
  bool swiglu = false;                ///< gated MLP with 3 matrices (hidden_act silu)
  bool tied_embeddings = false;       ///< output layer shares the input embedding
  /// Field -> where its value came from ("config.json", "preset", or "default: <why>").
  std::map<std::string, std::string> provenance;

  long long head_dim() const { return hidden_size / num_heads; }
  long long kv_dim() const { return num_kv_heads * head_dim(); }  ///< width of K (and of V)
  bool is_moe() const { return num_experts > 0; }
  /// Parameters of one transformer layer (attention QKV + output, MLP or all experts + router,
  /// two layer norms; biases ignored).
  double layer_params() const;
  /// Parameters of one layer's experts (0 for dense) - the part that expert parallelism splits.
  double layer_expert_params() const;
  /// Input embedding and, unless tied, the output layer.
  double embedding_params() const;
  double total_params() const { return num_layers * layer_params() + embedding_params(); }
};

/// Names of the built-in presets: gpt3-175b, llama3-8b, llama3-70b, llama3-405b, mixtral-8x7b,
/// and the GPT models of Narayanan et al. 2021 Table 1 (gpt-1.7b ... gpt-1t).
std::vector<std::string> model_preset_names();

/// A preset by name. Throws ConfigError listing the known names.
ModelConfig model_preset(const std::string& name);

/// Reads a Hugging Face config.json: hidden_size, num_hidden_layers, num_attention_heads,
/// num_key_value_heads (default: num_attention_heads), intermediate_size (default 4h),
/// vocab_size, num_local_experts or num_experts, num_experts_per_tok, hidden_act (silu/swiglu
/// -> gated MLP), tie_word_embeddings; GPT-2 names (n_embd, n_layer, n_head, n_inner) too.
/// Throws ConfigError naming the file and field for a missing required field, a value that is
/// not a positive integer, or unreadable JSON.
ModelConfig read_model_config(const std::filesystem::path& file);

/// A preset name, or a path to a config.json (anything containing '/' or ending in .json).
ModelConfig load_model(const std::string& name_or_path);

}  // namespace meshbench
