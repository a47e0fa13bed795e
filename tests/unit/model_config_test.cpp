// The config.json reader on the corpus of real public configs in tests/data/configs (sources
// and published figures in its INDEX.md), the parameter accounting, the per-layer-kind traffic
// of a MoE model, MLA FLOPs, and bad configs.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "fit/plan/model_math.hpp"
#include "patterns/hf_config.hpp"
#include "patterns/traffic.hpp"

namespace meshbench {
namespace {

const std::filesystem::path kConfigs = std::filesystem::path(MESHBENCH_TEST_DATA) / "configs";

ModelConfig read(const char* file, const std::string& model_type = "") {
  return read_model_config(kConfigs / file, model_type);
}

struct Published {
  const char* file;
  const char* model_type;
  long long layers, kv_heads, experts, moe_layers;
  double total;        ///< the published count (exact where one is published)
  double total_tol;    ///< relative: 1%, or the rounding of a figure given with fewer digits
  double active;       ///< published active parameters (0: dense)
  double active_tol;
  bool active_without_input_embedding;  ///< DeepSeek's convention (the lookup is not compute)
};

// Figures and their sources: tests/data/configs/INDEX.md.
const Published kCorpus[] = {
    {"llama2-7b.json", "llama", 32, 32, 0, 0, 6.74e9, 0.01, 0, 0, false},
    {"llama3.1-8b.json", "llama", 32, 8, 0, 0, 8.03e9, 0.01, 0, 0, false},
    {"llama3.1-8b-instruct.json", "llama", 32, 8, 0, 0, 8.03e9, 0.01, 0, 0, false},
    {"mistral-7b-v0.1.json", "mistral", 32, 8, 0, 0, 7.24e9, 0.01, 0, 0, false},
    {"mixtral-8x7b-v0.1.json", "mixtral", 32, 8, 8, 32, 46.7e9, 0.01, 12.9e9, 0.01, false},
    {"qwen2.5-7b.json", "qwen2", 28, 4, 0, 0, 7.61e9, 0.01, 0, 0, false},
    // "57B-A14B": two significant digits, so +-0.5B of 14B.
    {"qwen2-57b-a14b.json", "qwen2_moe", 28, 4, 64, 28, 57.4e9, 0.01, 14e9, 0.036, false},
    {"qwen3-8b.json", "qwen3", 36, 8, 0, 0, 8190735360, 0.001, 0, 0, false},
    // "3.3B activated": the safetensors shapes give 3.35B, which Qwen's card truncates.
    {"qwen3-30b-a3b.json", "qwen3_moe", 48, 4, 128, 48, 30532122624, 0.001, 3.3e9, 0.02, false},
    {"qwen3-30b-a3b-instruct-2507.json", "qwen3_moe", 48, 4, 128, 48, 30532122624, 0.001, 3.3e9, 0.02, false},
    {"qwen3-235b-a22b-instruct-2507.json", "qwen3_moe", 94, 4, 128, 94, 235e9, 0.01, 22e9, 0.023, false},
    // DeepSeek-V2-Lite: 15,706,484,224 in safetensors; "2.4B activated" has two digits.
    {"deepseek-v2-lite-chat.json", "deepseek_v2", 27, 16, 64, 26, 15706484224, 0.001, 2.4e9, 0.025, true},
    // DeepSeek-V3: 671B main model, 36.6B activated including the 0.9B output head.
    {"deepseek-v3.json", "deepseek_v3", 61, 128, 256, 58, 671e9, 0.01, 36.6e9, 0.01, true},
    // Kimi K2: model_type kimi_k2 over DeepseekV3ForCausalLM; 1,026,470,731,056 in safetensors
    // (FP8 scales included), "32B activated".
    {"kimi-k2-instruct.json", "deepseek_v3", 61, 64, 384, 60, 1026470731056, 0.001, 32e9, 0.016, true},
    {"gemma-7b.json", "gemma", 28, 16, 0, 0, 8537680896, 0.001, 0, 0, false},
    {"gemma-2-9b-it.json", "gemma2", 42, 8, 0, 0, 9241705984, 0.001, 0, 0, false},
    // Gemma 3 12B: 12B with the 417M vision tower, which the text config does not hold.
    {"gemma-3-12b-it-text-only.json", "gemma3_text", 48, 8, 0, 0, 1.0759e10 + 1.012e9, 0.01, 0, 0, false},
    // Gemma 3 4B: its text_config lists no heads, head_dim or vocabulary (Gemma3TextConfig's
    // defaults); text-only 3,880,099,328 by keras-hub's preset, which keeps a 262,144 vocabulary.
    {"gemma-3-4b-it.json", "gemma3_text", 34, 4, 0, 0, 3880099328, 0.001, 0, 0, false},
    {"phi-3-mini-4k-instruct.json", "phi3", 32, 32, 0, 0, 3.8e9, 0.014, 0, 0, false},
    {"olmo-7b-hf.json", "olmo", 32, 32, 0, 0, 6.888e9, 0.001, 0, 0, false},
    {"olmo-2-1124-13b.json", "olmo2", 40, 40, 0, 0, 13.7e9, 0.01, 0, 0, false},
    // Two significant digits published: 6.9B +- 0.05B and 1.3B +- 0.05B.
    {"olmoe-1b-7b-0125-instruct.json", "olmoe", 16, 16, 64, 16, 6.9e9, 0.0073, 1.3e9, 0.039, false},
    // "32B" only: +- 0.5B.
    {"olmo-3.1-32b-instruct.json", "olmo3", 64, 8, 0, 0, 32e9, 0.016, 0, 0, false},
    // Falcon's cards give only the class ("7B", "40B"): the count is the one the INDEX derives
    // from modeling_falcon.py's modules by hand (not by this code).
    {"falcon-7b-rw.json", "RefinedWebModel", 32, 1, 0, 0, 6921720704, 0.001, 0, 0, false},
    {"falcon-7b-new.json", "falcon", 32, 1, 0, 0, 6921720704, 0.001, 0, 0, false},
    {"falcon-40b-rw.json", "RefinedWeb", 60, 8, 0, 0, 41303293952, 0.001, 0, 0, false},
    {"falcon-40b-new.json", "falcon", 60, 8, 0, 0, 41303293952, 0.001, 0, 0, false},
    {"falcon-180b.json", "falcon", 80, 8, 0, 0, 180e9, 0.01, 0, 0, false},
    {"gpt2-large.json", "gpt2", 36, 20, 0, 0, 774030080, 0.001, 0, 0, false},
    {"gpt-j-6b.json", "gptj", 28, 16, 0, 0, 6053381344, 0.001, 0, 0, false},
    {"gpt-neox-20b.json", "gpt_neox", 44, 64, 0, 0, 20554567680, 0.001, 0, 0, false},
    {"pythia-160m.json", "gpt_neox", 12, 12, 0, 0, 162322944, 0.001, 0, 0, false},
    {"opt-6.7b.json", "opt", 32, 32, 0, 0, 6.7e9, 0.01, 0, 0, false},
    {"bloom-7b1.json", "bloom", 30, 32, 0, 0, 7069016064, 0.001, 0, 0, false},
};

TEST(HfConfigCorpus, ParameterCountsExpertsAndKvHeadsMatchPublishedFigures) {
  for (const Published& p : kCorpus) {
    SCOPED_TRACE(p.file);
    const ModelConfig m = read(p.file);
    EXPECT_EQ(m.architecture, p.model_type);
    EXPECT_EQ(m.num_layers, p.layers);
    EXPECT_EQ(m.num_kv_heads, p.kv_heads);
    EXPECT_EQ(m.num_experts, p.experts);
    EXPECT_EQ(m.num_moe_layers(), p.moe_layers);
    EXPECT_NEAR(m.total_params() / p.total, 1.0, p.total_tol) << m.total_params();
    if (p.active > 0) {
      const double input_embedding = static_cast<double>(m.vocab_size * m.hidden_size);
      const double active = m.active_params() - (p.active_without_input_embedding ? input_embedding : 0);
      EXPECT_NEAR(active / p.active, 1.0, p.active_tol) << active;
    } else {
      EXPECT_DOUBLE_EQ(m.active_params(), m.total_params());
    }
    // Every field says where it came from; nothing is silently dropped.
    for (const char* f : {"hidden_size", "num_layers", "num_heads", "vocab_size", "tied_embeddings"}) {
      EXPECT_TRUE(m.provenance.count(f)) << f;
    }
  }
}

TEST(HfConfigCorpus, ArchitectureSpecificKeys) {
  // Qwen3-30B-A3B: head_dim 128 is not hidden / heads (64); experts of moe_intermediate_size.
  const ModelConfig qwen = read("qwen3-30b-a3b.json");
  EXPECT_EQ(qwen.head_dim(), 128);
  EXPECT_EQ(qwen.expert_ffn_hidden_size(), 768);
  EXPECT_EQ(qwen.experts_per_token, 8);
  EXPECT_EQ(qwen.provenance.at("moe_ffn_hidden_size"), "config.json (moe_intermediate_size)");
  // DeepSeek-V3: first 3 layers dense, 1 shared expert, MLA ranks, the MTP layer reported.
  const ModelConfig v3 = read("deepseek-v3.json");
  EXPECT_FALSE(v3.is_moe_layer(2));
  EXPECT_TRUE(v3.is_moe_layer(3));
  EXPECT_EQ(v3.shared_expert_ffn_hidden_size, 2048);
  ASSERT_TRUE(v3.mla.has_value());
  EXPECT_EQ(v3.mla->q_lora_rank, 1536);
  EXPECT_EQ(v3.mla->kv_lora_rank, 512);
  EXPECT_EQ(v3.mtp_layers, 1);
  EXPECT_EQ(v3.k_dim(), 128 * 192);
  EXPECT_EQ(v3.v_dim(), 128 * 128);
  // V2-Lite: no q LoRA (a full query projection), 2 shared experts.
  const ModelConfig lite = read("deepseek-v2-lite-chat.json");
  EXPECT_EQ(lite.mla->q_lora_rank, 0);
  EXPECT_EQ(lite.shared_expert_ffn_hidden_size, 2 * 1408);
  // Qwen2-MoE: a gated shared expert.
  EXPECT_TRUE(read("qwen2-57b-a14b.json").shared_expert_gate);
  // Falcon-40B in its original RW form keeps its 8 KV heads (n_head_kv).
  EXPECT_EQ(read("falcon-40b-rw.json").provenance.at("num_kv_heads"), "config.json (n_head_kv)");
  // Gemma's GeGLU is a gated MLP although hidden_act is gelu.
  EXPECT_TRUE(read("gemma-7b.json").gated_mlp);
  EXPECT_FALSE(read("gpt-neox-20b.json").gated_mlp);
  // Keys nothing reads are listed, not silently dropped.
  const auto ignored = read("llama2-7b.json").ignored_keys;
  EXPECT_NE(std::find(ignored.begin(), ignored.end(), "rope_scaling"), ignored.end());
  EXPECT_EQ(std::find(ignored.begin(), ignored.end(), "hidden_size"), ignored.end());
}

TEST(HfConfigCorpus, SaysWhatItInferred) {
  // Kimi K2's own model_type is not in the table; its modeling class is, and the note says so.
  const ModelConfig kimi = read("kimi-k2-instruct.json");
  ASSERT_FALSE(kimi.notes.empty());
  EXPECT_NE(kimi.notes[0].find("model_type kimi_k2 is not in the table: read as deepseek_v3"),
            std::string::npos) << kimi.notes[0];
  // Gemma 3 4B: the keys its text_config leaves out come from Gemma3TextConfig, named as such;
  // the vision tower is left out and said.
  const ModelConfig gemma = read("gemma-3-4b-it.json");
  EXPECT_EQ(gemma.num_heads, 8);
  EXPECT_EQ(gemma.head_dim(), 256);
  EXPECT_NE(gemma.provenance.at("num_heads").find("Gemma3TextConfig's default"), std::string::npos);
  EXPECT_NE(gemma.provenance.at("hidden_size").find("text_config.hidden_size"), std::string::npos);
  bool vision = false;
  for (const auto& n : gemma.notes) vision = vision || n.find("vision tower") != std::string::npos;
  EXPECT_TRUE(vision);
}

TEST(HfConfigCorpus, RefusesWhatItCannotTellAndReadsItWhenTold) {
  // BLOOM's legacy config names neither model_type nor architectures.
  try {
    read("bloom-2b5-legacy.json");
    ADD_FAILURE() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("--model-type"), std::string::npos) << e.what();
  }
  const ModelConfig bloom = read("bloom-2b5-legacy.json", "bloom");
  EXPECT_NEAR(bloom.total_params() / 3002557440.0, 1.0, 1e-3);  // bigscience/bloom-3b card
  EXPECT_FALSE(bloom.notes.empty());                             // says it was told
  // OPT-350m projects its embeddings (word_embed_proj_dim 512 != 1024): not modelled, refused.
  EXPECT_THROW(read("opt-350m.json"), ConfigError);
}

TEST(ModelParams, MoeTrafficRowsByHandWithDenseFirstLayersAndSharedExperts) {
  // DeepSeek-V2-Lite, ep=2, pp=3 (9 layers a stage; layer 0 is dense, so stage 0 has 1 dense +
  // 8 MoE and stages 1 and 2 have 9 MoE), tp=1, one micro-batch of 4096 tokens.
  const ModelConfig m = read("deepseek-v2-lite-chat.json");
  TrainingConfig t;
  t.seq_length = 4096;
  const auto in = make_traffic_inputs(m, t, parse_mesh_sizes("ep=2,pp=3"));
  EXPECT_EQ(in.shape.stage, 1);
  EXPECT_EQ(in.shape.stage_layers.moe, 9);
  EXPECT_EQ(in.shape.stage_layers.dense, 0);
  // EP: 2 all-to-alls per MoE layer: 4096 tokens x top-6 x 2048 x 2 B.
  const auto ep = ep_traffic(in);
  ASSERT_EQ(ep.size(), 2u);
  EXPECT_DOUBLE_EQ(ep[0].bytes_per_call, 4096.0 * 6 * 2048 * 2);
  EXPECT_EQ(ep[0].calls_per_step, 2 * 9);
  // DP over ep (dense weights replicate over ep): per MoE layer q 2048x16x192 = 6,291,456,
  // kv_a 2048x576 = 1,179,648, kv_a norm 512, kv_b 512x16x256 = 2,097,152, o 16x128x2048 =
  // 4,194,304, 2 norms 4,096, router 2048x64 = 131,072, shared experts 3x2048x2816 =
  // 17,301,504: 31,199,744 x 9 layers x 4 B = 1,123,190,784 B in 25 MiB buckets.
  const auto dp = dp_traffic(in);
  ASSERT_EQ(dp.size(), 2u);
  EXPECT_EQ(dp[0].calls_per_step, 42);
  EXPECT_DOUBLE_EQ(dp[1].bytes_per_call, 1123190784.0 - 42 * 26214400.0);
  // Experts (64 x 3 x 2048 x 1408 a layer) split over ep = 2: their group dp x cp is 1.
  const GpuParams stage = stage_params_per_gpu(in, in.shape.stage_layers);
  EXPECT_DOUBLE_EQ(stage.expert, 9 * 64.0 * 3 * 2048 * 1408 / 2);
  // Stage 0 holds the dense layer (MLP 3 x 2048 x 10944) instead of a ninth MoE layer.
  const GpuParams first = stage_params_per_gpu(in, stage_layers(m, in.shape.split, 0));
  EXPECT_DOUBLE_EQ(first.expert, 8 * 64.0 * 3 * 2048 * 1408 / 2);
  EXPECT_DOUBLE_EQ(first.dense - stage.dense,
                   3.0 * 2048 * 10944 - (2048.0 * 64 + 3.0 * 2048 * 2816));
}

TEST(ModelParams, MemoryIsTheFullestStages) {
  // DeepSeek-V2-Lite on pp=3: stage 0 holds a dense layer (a few M parameters) instead of a MoE
  // layer (553M of experts) plus the embedding (210M); the last stage 9 MoE layers plus the
  // untied output layer: the fullest, with activations negligible at 16 tokens.
  const ModelConfig m = read("deepseek-v2-lite-chat.json");
  TrainingConfig t;
  t.seq_length = 16;
  const auto in = make_traffic_inputs(m, t, parse_mesh_sizes("pp=3"));
  const plan::MemoryBreakdown fullest = plan::memory_per_gpu(in);
  EXPECT_EQ(fullest.stage, 2);
  for (int s = 0; s < 3; ++s) {
    EXPECT_GE(fullest.total(), plan::stage_memory_per_gpu(in, s).total()) << s;
  }
  const double table = 102400.0 * 2048;
  const double last = stage_params_per_gpu(in, stage_layers(m, in.shape.split, 2)).dense +
                      stage_params_per_gpu(in, stage_layers(m, in.shape.split, 2)).expert + table;
  EXPECT_DOUBLE_EQ(fullest.weights, 2 * last);  // bf16, no ZeRO
}

TEST(ModelParams, MlaFlopsPerTokenMatchDeepSeekV3Figures) {
  // DeepSeek's weight documentation (INDEX.md): 36.6B activated parameters per token including
  // the 0.9B output head; forward matmul FLOPs are 2 per activated weight.
  const ModelConfig m = read("deepseek-v3.json");
  const plan::ForwardFlopsPerToken f = plan::forward_flops_per_token(m, 4096);
  EXPECT_NEAR((f.matmul + f.logits) / 2 / 36.6e9, 1.0, 0.01);
  // Attention over s = 4096: QK^T over a x qk_head_dim (128 x 192), AV over a x v (128 x 128),
  // 2 FLOPs per multiply-add, 61 layers; causal halves it.
  EXPECT_DOUBLE_EQ(f.attention, 61 * 2.0 * 4096 * (128 * 192 + 128 * 128));
  EXPECT_DOUBLE_EQ(plan::forward_flops_per_token(m, 4096, true).attention, f.attention / 2);
  // MoE FLOPs follow the active, not the total, parameters.
  EXPECT_LT(f.matmul, 2 * 0.06 * m.total_params());
}

TEST(ModelParams, CpBlocksFollowMlaWidths) {
  const ModelConfig m = read("deepseek-v3.json");
  TrainingConfig t;
  t.seq_length = 8192;
  const auto cp = cp_traffic(make_traffic_inputs(m, t, parse_mesh_sizes("cp=2,tp=8")));
  ASSERT_FALSE(cp.empty());
  // b x s/cp x (K 128x192 + V 128x128) / tp x 2 B.
  EXPECT_DOUBLE_EQ(cp[0].bytes_per_call, 1.0 * 4096 * (128 * 192 + 128 * 128) / 8 * 2);
}

std::string error_of(const std::string& json_text, const std::string& model_type = "") {
  const auto path = std::filesystem::temp_directory_path() / ("meshbench_bad_config_" + std::to_string(getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".json");
  std::ofstream(path) << json_text;
  try {
    read_model_config(path, model_type);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "accepted";
}

TEST(HfConfigArchitectures, ExpertsAreNeverDroppedByADenseReader) {
  // OLMoE read as OLMo 2 would lose its 64 experts (0.58B instead of 6.9B): refused instead.
  std::ifstream in(kConfigs / "olmoe-1b-7b-0125-instruct.json");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string e = error_of(text, "olmo2");
  EXPECT_NE(e.find("key 'num_experts': 64 experts, which the olmo2 reader does not model"),
            std::string::npos) << e;
}

TEST(HfConfigArchitectures, Qwen3MoeHasNoSharedExpertEvenWhenTheKeyIsThere) {
  // Qwen3MoeSparseMoeBlock has no shared expert and no qkv bias: such keys are ignored.
  const std::string base = R"({"model_type": "qwen3_moe", "hidden_size": 64, "num_hidden_layers": 2,
      "num_attention_heads": 4, "num_key_value_heads": 4, "intermediate_size": 128,
      "vocab_size": 100, "num_experts": 4, "num_experts_per_tok": 2, "moe_intermediate_size": 32)";
  const auto path = std::filesystem::temp_directory_path() /
                    ("meshbench_qwen3_moe_" + std::to_string(getpid()) + ".json");
  std::ofstream(path) << base << R"(, "shared_expert_intermediate_size": 96, "qkv_bias": true})";
  const ModelConfig with = read_model_config(path);
  std::ofstream(path) << base << "}";
  const ModelConfig without = read_model_config(path);
  EXPECT_EQ(with.shared_expert_ffn_hidden_size, 0);
  EXPECT_FALSE(with.qkv_bias);
  EXPECT_EQ(with.total_params(), without.total_params());
  EXPECT_NE(std::find(with.ignored_keys.begin(), with.ignored_keys.end(),
                      "shared_expert_intermediate_size"), with.ignored_keys.end());
}

TEST(HfConfigBadInput, OneLineNamingTheKeyAndValue) {
  const std::string base = R"("model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2,
      "num_attention_heads": 4, "intermediate_size": 128, "vocab_size": 100)";
  EXPECT_EQ(error_of("{" + base + "}"), "accepted");
  auto has = [](const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos && text.find('\n') == std::string::npos;
  };
  EXPECT_TRUE(has(error_of("{" + base + R"(, "hidden_act": null})"), "key 'hidden_act': expected a string, got null"));
  // GemmaConfig's hidden_activation=None is serialised as null in real configs: absent.
  EXPECT_EQ(error_of("{" + base + R"(, "hidden_activation": null})"), "accepted");
  EXPECT_TRUE(has(error_of("{" + base + R"(, "tie_word_embeddings": "yes"})"), "key 'tie_word_embeddings': expected true or false, got \"yes\""));
  EXPECT_TRUE(has(error_of(R"({"model_type": "llama", "hidden_size": 4611686018427387904, "num_hidden_layers": 2})"), "key 'hidden_size': expected an integer in [1, 1048576], got 4611686018427387904"));
  EXPECT_TRUE(has(error_of(R"({"model_type": "llama", "hidden_size": 64, "num_hidden_layers": 1000000000000})"), "key 'num_hidden_layers'"));
  EXPECT_TRUE(has(error_of(R"({"model_type": "llama", "hidden_size": "64"})"), "key 'hidden_size'"));
  EXPECT_TRUE(has(error_of(R"({"model_type": "llama", "hidden_size": 0})"), "key 'hidden_size'"));
  EXPECT_TRUE(has(error_of(R"({"model_type": "llama", "hidden_size": -8})"), "key 'hidden_size'"));
  EXPECT_TRUE(has(error_of(R"({"model_type": "llama", "hidden_size": 64.5})"), "key 'hidden_size'"));
  EXPECT_TRUE(has(error_of(R"({"model_type": "mixtral", "hidden_size": 64, "num_hidden_layers": 2,
      "num_attention_heads": 4, "intermediate_size": 128, "vocab_size": 100,
      "num_local_experts": 4, "num_experts_per_tok": 5})"), "key 'num_experts_per_tok': 5 is more than the 4 experts"));
  EXPECT_TRUE(has(error_of(R"({"model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2,
      "num_attention_heads": 6, "intermediate_size": 128, "vocab_size": 100})"), "does not divide hidden_size 64"));
  EXPECT_TRUE(has(error_of(R"({"model_type": "mamba", "hidden_size": 64})"), "unknown architecture 'mamba'"));
  EXPECT_TRUE(has(error_of(R"({"hidden_size": 64})"), "names no model_type or architectures"));
  EXPECT_TRUE(has(error_of("{" + base + "}", "nonsense"), "--model-type: unknown model type 'nonsense'"));
  EXPECT_TRUE(has(error_of(R"([1, 2])"), "not a JSON object"));
  // A class of another layout under a known model_type (SantaCoder: gpt2 over a multi-query
  // custom class) is refused, not read as GPT-2; a model class the table shares is ambiguous.
  EXPECT_TRUE(has(error_of(R"({"model_type": "gpt2", "architectures": ["GPT2LMHeadCustomModel"],
      "n_embd": 64, "n_layer": 2, "n_head": 4, "vocab_size": 100, "n_positions": 64})"),
                  "GPT2LMHeadCustomModel is not a gpt2 class"));
  EXPECT_EQ(error_of(R"({"model_type": "llama", "architectures": ["LlamaForSequenceClassification"],
      "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
      "intermediate_size": 128, "vocab_size": 100})"), "accepted");
  EXPECT_TRUE(has(error_of(R"({"architectures": ["RWForCausalLM"], "hidden_size": 64})"),
                  "RWForCausalLM is RefinedWeb or RefinedWebModel"));
  // Gemma 3's class defaults fill only the nested text_config's heads and vocabulary.
  EXPECT_TRUE(has(error_of(R"({"model_type": "gemma3_text"})"), "missing key 'hidden_size'"));
  EXPECT_TRUE(has(error_of(R"({"model_type": "gemma3", "text_config": {"hidden_size": 64}})"),
                  "missing key 'text_config.num_hidden_layers'"));
  EXPECT_TRUE(has(error_of(R"({"model_type": "gemma3", "text_config": 5})"), "key 'text_config'"));
  // Products of bounded keys: 65536 heads of 65536.
  EXPECT_TRUE(has(error_of(R"({"model_type": "llama", "hidden_size": 64, "num_hidden_layers": 2,
      "num_attention_heads": 65536, "head_dim": 65536, "num_key_value_heads": 1,
      "intermediate_size": 128, "vocab_size": 100})"), "make a projection wider than"));
  // A value nested far deeper than any config is named, not dumped (dump recurses).
  EXPECT_TRUE(has(error_of(R"({"model_type": "llama", "hidden_size": )" + std::string(100000, '[') +
                           std::string(100000, ']') + "}"), "key 'hidden_size'"));
  EXPECT_TRUE(has(error_of("{\"model_type\": \"ll\xff\"}"), "not valid JSON"));
  EXPECT_TRUE(has(error_of(R"({"model_type": 5})"), "key 'model_type': expected a string, got 5"));
  // A directory, as people pass a model folder.
  try {
    read_model_config(kConfigs);
    ADD_FAILURE() << "directory accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("is a directory"), std::string::npos);
  }
}

TEST(HfConfigBadInput, MutatedCorpusFilesAreReadOrRefusedWithAConfigError) {
  // Every real config, mutated: a key's value replaced by a value of another type or an absurd
  // size, a key deleted, the text truncated. The reader either reads it (with a finite, positive
  // parameter count) or throws ConfigError; never another exception.
  const nlohmann::json replacements[] = {nullptr, "x", -1, 0, 0.5, 1e308, 9223372036854775807LL,
                                         true, nlohmann::json::array(), nlohmann::json::object(),
                                         1 << 30};
  std::mt19937 rng(13);
  const auto path = std::filesystem::temp_directory_path() / ("meshbench_mutated_config_" + std::to_string(getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".json");
  int mutants = 0, refused = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kConfigs)) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const nlohmann::json doc = nlohmann::json::parse(text);
    for (int i = 0; i < 60; ++i, ++mutants) {
      std::string mutated;
      if (i % 6 == 5) {
        mutated = text.substr(0, std::uniform_int_distribution<std::size_t>(0, text.size())(rng));
      } else {
        nlohmann::json copy = doc;
        nlohmann::json& target = copy.contains("text_config") && i % 2 ? copy["text_config"] : copy;
        if (!target.is_object() || target.empty()) continue;
        auto it = target.begin();
        std::advance(it, std::uniform_int_distribution<std::size_t>(0, target.size() - 1)(rng));
        if (i % 6 == 4) {
          target.erase(it);
        } else {
          *it = replacements[std::uniform_int_distribution<std::size_t>(0, std::size(replacements) - 1)(rng)];
        }
        mutated = copy.dump();
      }
      std::ofstream(path) << mutated;
      try {
        const ModelConfig m = read_model_config(path);
        EXPECT_TRUE(std::isfinite(m.total_params()) && m.total_params() > 0) << entry.path() << mutated;
        EXPECT_LE(m.active_params(), m.total_params()) << entry.path();
      } catch (const ConfigError& e) {
        ++refused;
        EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
      } catch (const std::exception& e) {
        ADD_FAILURE() << entry.path() << ": " << e.what() << "\n" << mutated;
      }
    }
  }
  EXPECT_GT(mutants, 1000);
  EXPECT_GT(refused, mutants / 10);  // the mutations do reach the checks
}

}  // namespace
}  // namespace meshbench
