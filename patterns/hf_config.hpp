#pragma once
// Hugging Face config.json -> ModelConfig, through a table of architectures: which keys each
// model_type uses for each field, and the traits its modeling file fixes (gated MLP, norms,
// biases, tied embeddings). An architecture the table does not know is refused, never guessed;
// a fine-tune's own model_type over a known modeling class is read as that class, and says so.

#include <filesystem>
#include <string>
#include <vector>

#include "patterns/model_config.hpp"

namespace meshbench {

/// Reads a Hugging Face config.json. The architecture comes from `model_type_override`
/// (--model-type), else `model_type` (with which architectures[0], when given, must agree: a
/// class of another layout is refused), else, for an unknown or missing model_type, the one
/// table row whose modeling class architectures[0] names (Kimi K2: kimi_k2 over
/// DeepseekV3ForCausalLM); every such inference is recorded in the notes. Known model_types:
/// llama, mistral, mixtral, qwen2, qwen2_moe, qwen3, qwen3_moe, deepseek_v2, deepseek_v3,
/// gemma, gemma2, gemma3 (text_config read), gemma3_text, phi3, olmo, olmo2, falcon,
/// RefinedWeb, RefinedWebModel, gpt2, gpt_neox, gptj, opt, bloom. Every field records the key it came from (provenance),
/// every key no rule read is listed in ignored_keys, and what was inferred is in notes.
/// Throws ConfigError with one line naming the file, the key and the value for: an unreadable
/// file, a directory, a file over 16 MiB, invalid JSON, an unknown or missing architecture
/// (listing the known ones and naming --model-type), a key of the wrong type, a size that is
/// zero, negative or beyond the documented bound (hidden_size 2^20, layers 2^16, ...), top-k
/// above the expert count, heads that do not divide hidden_size without head_dim, and
/// variants the table does not model (OPT's word_embed_proj_dim != hidden_size).
ModelConfig read_model_config(const std::filesystem::path& file,
                              const std::string& model_type_override = "");

}  // namespace meshbench
