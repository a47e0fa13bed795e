#pragma once
// The transformer a traffic pattern is derived from: a Hugging Face config.json (read through
// the architecture table in patterns/hf_config.hpp) or a built-in preset. Pure data and the
// parameter accounting every consumer shares (traffic, GEMM shapes, FLOPs, memory).

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "patterns/input_error.hpp"

namespace meshbench {

/// Bad model or training input: the message names the file or flag, the field and the value.
class ConfigError : public InputError {
 public:
  using InputError::InputError;
};

/// Parameters of one normalisation layer of width w: RMSNorm w (weight), LayerNorm 2w (weight
/// and bias), OLMo-1's non-parametric LayerNorm 0.
enum class NormKind { kRms, kLayer, kNonParametric };

/// Normalisation of queries and keys before attention: none; per head (Qwen3, Gemma 3:
/// RMSNorm of head_dim, shared by all heads); over the full projection (OLMo-2: RMSNorm of
/// heads x head_dim for Q and kv_heads x head_dim for K).
enum class QkNorm { kNone, kPerHead, kFullWidth };

/// DeepSeek-V2/V3 multi-head latent attention (DeepSeek-AI 2024, arXiv:2405.04434 section
/// 2.1): queries through a rank-q_lora_rank bottleneck (0: a full hidden x heads x qk_head_dim
/// projection, as in V2-Lite), keys and values through a shared rank-kv_lora_rank latent plus a
/// decoupled rotary key of qk_rope_head_dim.
struct MlaDims {
  long long q_lora_rank = 0;
  long long kv_lora_rank = 0;
  long long qk_nope_head_dim = 0;
  long long qk_rope_head_dim = 0;
  long long v_head_dim = 0;
  long long qk_head_dim() const { return qk_nope_head_dim + qk_rope_head_dim; }
};

/// Parameters of one transformer layer, split the way Megatron-Core shards them over tensor
/// parallelism (Shoeybi et al. 2019; megatron/core/transformer/{attention,
/// multi_latent_attention,moe/*}.py): `tp_split` is divided over tp (QKV, output, MLP, shared
/// experts, MLA up-projections), `replicated` is held whole by every TP rank (norms, the
/// router, MLA down-projections, which Megatron-Core builds "duplicated"), `experts` are the
/// routed experts, divided over ep x tp.
struct LayerParams {
  double tp_split = 0;
  double replicated = 0;
  double experts = 0;
  double total() const { return tp_split + replicated + experts; }
};

/// Bounds every reader of model dimensions (config.json, published-runs CSV) applies: far above
/// any published model (hidden 25,600, 128 layers, vocab 256k), far below what would overflow
/// the products of the FLOP and memory formulas.
namespace model_limits {
inline constexpr long long kMaxHidden = 1LL << 20;
inline constexpr long long kMaxLayers = 1LL << 16;
inline constexpr long long kMaxHeads = 1LL << 16;
inline constexpr long long kMaxWidth = 1LL << 24;
inline constexpr long long kMaxVocab = 1LL << 26;
inline constexpr long long kMaxExperts = 1LL << 16;
}  // namespace model_limits

struct ModelConfig {
  std::string name;
  std::string architecture = "preset";  ///< the model_type it was read as (or "preset")
  long long hidden_size = 0;            ///< h
  long long num_layers = 0;             ///< L (transformer layers; MTP layers not included)
  long long num_heads = 0;              ///< a (query heads)
  long long num_kv_heads = 0;           ///< GQA groups (Megatron's num_query_groups); = a for MHA
  long long kv_channels = 0;            ///< head dim (Megatron's --kv-channels); 0: h / a
  long long ffn_hidden_size = 0;        ///< MLP width of a dense layer
  long long vocab_size = 0;             ///< V
  bool gated_mlp = false;               ///< 3 matrices (SwiGLU, GeGLU), else 2 (GELU MLP)
  bool tied_embeddings = false;         ///< output layer shares the input embedding
  // Mixture of experts. A MoE layer holds num_experts routed experts of moe_ffn_hidden_size
  // (top-k routed per token), an optional shared expert block of shared_expert_ffn_hidden_size
  // that every token uses (DeepSeek: n_shared_experts x moe_intermediate_size; Qwen2-MoE:
  // shared_expert_intermediate_size) and a router.
  long long num_experts = 0;            ///< routed experts; 0: dense model
  long long experts_per_token = 0;      ///< top-k
  long long moe_ffn_hidden_size = 0;    ///< per routed expert; 0: ffn_hidden_size (Mixtral)
  long long shared_expert_ffn_hidden_size = 0;  ///< 0: none
  bool shared_expert_gate = false;      ///< Qwen2-MoE: a sigmoid gate Linear(h, 1) on it
  bool router_bias = false;             ///< DeepSeek-V3's e_score_correction_bias (num_experts)
  /// Which layers are MoE (index = layer, 0-based); empty with num_experts > 0: all of them.
  std::vector<bool> moe_layers;
  std::optional<MlaDims> mla;           ///< multi-head latent attention instead of GQA
  // Terms under 1% of most models, counted so that small models come out right too.
  NormKind norm = NormKind::kRms;
  int norms_per_layer = 2;              ///< Gemma 2/3: 4; GPT-J, Falcon-7B (parallel): 1
  QkNorm qk_norm = QkNorm::kNone;
  bool qkv_bias = false;                ///< Qwen2, GPT-2, OPT, BLOOM, GPT-NeoX, Falcon bias=true
  bool out_bias = false;                ///< bias of the attention output projection
  bool mlp_bias = false;                ///< biases of the MLP (and expert) matrices
  bool output_bias = false;             ///< bias of the output layer (GPT-J's lm_head)
  long long learned_positions = 0;      ///< rows of a learned position embedding (GPT-2, OPT)
  bool embedding_norm = false;          ///< BLOOM's word_embeddings_layernorm
  bool final_norm = true;               ///< a norm after the last layer (OPT: do_layer_norm_before)
  long long mtp_layers = 0;             ///< DeepSeek-V3 multi-token prediction: reported, not counted
  /// Field -> where its value came from ("preset", "config.json (key)", "default: <why>").
  std::map<std::string, std::string> provenance;
  /// config.json keys that were read by nothing (printed, so a user sees what was ignored).
  std::vector<std::string> ignored_keys;
  /// Things the reader inferred or left out, one sentence each (printed by the commands).
  std::vector<std::string> notes;

  long long head_dim() const { return kv_channels > 0 ? kv_channels : hidden_size / num_heads; }
  /// Width of one layer's keys (K) and of its values (V) as attention consumes them: GQA
  /// kv_heads x head_dim each; MLA heads x qk_head_dim and heads x v_head_dim (the latent is
  /// expanded per head before attention, as Megatron-Core and TE run it).
  long long k_dim() const;
  long long v_dim() const;
  /// Width of the queries (a x head_dim; MLA a x qk_head_dim).
  long long q_dim() const;
  bool is_moe() const { return num_experts > 0; }
  bool is_moe_layer(long long layer) const;
  long long num_moe_layers() const;
  long long expert_ffn_hidden_size() const {
    return moe_ffn_hidden_size > 0 ? moe_ffn_hidden_size : ffn_hidden_size;
  }

  /// Parameters of the attention block of one layer (projections, biases, Q/K norms).
  LayerParams attention_params() const;
  /// Parameters of layer `layer` (0-based): attention, its MLP (dense, or routed + shared
  /// experts and router), its norms. Biases included where the architecture has them.
  LayerParams layer_params(long long layer) const;
  /// Input embedding, learned positions, the embedding norm, the final norm and, unless tied,
  /// the output layer.
  double embedding_params() const;
  /// Every parameter of the model (MTP layers excluded, as published counts exclude them).
  double total_params() const;
  /// Parameters one token passes through: attention, dense MLP or top-k routed experts plus
  /// shared experts and router, norms, and the input embedding and output layer (Mistral's and
  /// Qwen's convention: Mixtral 12.9B of 46.7B; DeepSeek leaves the input embedding out, its
  /// 36.6B of V3 is this less vocab x hidden).
  double active_params() const;
  /// Matmul weights one token multiplies by in layer `layer` (forward): attention
  /// projections and the MLP or the experts it is routed to (the basis of model FLOPs).
  double layer_active_matmul_params(long long layer) const;
  /// The first layer that is MoE (moe = true) or dense, or -1 when there is none.
  long long first_layer_of_kind(bool moe) const;
  /// The sum over all layers of per_layer(layer), evaluated once per kind: layers of one kind
  /// (dense or MoE) have the same shapes, so 10^4 layers stay cheap.
  double sum_over_layers(const std::function<double(long long layer)>& per_layer) const;
};

/// Megatron-Core's tensor-parallel divisibility rules for `model` at tensor-parallel size tp:
/// heads % tp (attention.py divides num_attention_heads), KV heads % tp for GQA (it divides
/// num_query_groups: no replication of KV heads), the dense MLP width % tp and the expert
/// width % tp (ColumnParallelLinear divides its output). MLA needs heads % tp only. The one
/// rule traffic, GEMM shapes and the layout search share. Returns the reason it fails, naming
/// `flag` (e.g. "--layout tp=16") and the field, or nullopt when tp divides.
std::optional<std::string> tensor_parallel_violation(const ModelConfig& model, int tp,
                                                     const std::string& flag);

/// Names of the built-in presets: gpt3-175b, llama3-8b, llama3-70b, llama3-405b, mixtral-8x7b,
/// and the GPT models of Narayanan et al. 2021 Table 1 (gpt-1.7b ... gpt-1t).
std::vector<std::string> model_preset_names();

/// A preset by name. Throws ConfigError listing the known names.
ModelConfig model_preset(const std::string& name);

/// A preset name, or a path to a config.json (anything containing '/' or ending in .json),
/// read by read_model_config (patterns/hf_config.hpp) with `model_type_override` (empty: the
/// file's own model_type or architectures). Throws ConfigError.
ModelConfig load_model(const std::string& name_or_path, const std::string& model_type_override = "");

}  // namespace meshbench
