#include "patterns/traffic.hpp"

#include <gtest/gtest.h>

#include <numeric>

namespace meshbench {
namespace {

ModelConfig tiny() {
  ModelConfig m;
  m.name = "tiny";
  m.hidden_size = 64;
  m.num_layers = 4;
  m.num_heads = 4;
  m.num_kv_heads = 2;
  m.ffn_hidden_size = 256;
  m.vocab_size = 1000;
  return m;
}

TrainingConfig small_batch() {
  TrainingConfig t;
  t.seq_length = 16;
  t.micro_batch_size = 2;
  t.global_batch_size = 8;
  return t;
}

double wire_bytes(const std::vector<TrafficRow>& rows) {
  double sum = 0;
  for (const auto& r : rows) sum += r.bytes_per_step() * busbw_factor(r.op, r.group_size);
  return sum;
}

TEST(Traffic, TensorAndPipelineRowsByHand) {
  // tp=2, pp=2: 2 layers per stage, m = 8 / (2 x 1) = 4 micro-batches.
  const auto in = make_traffic_inputs(tiny(), small_batch(), parse_mesh_sizes("tp=2,pp=2"));
  EXPECT_EQ(in.shape.micro_batches, 4);
  const auto tp = tp_traffic(in);
  ASSERT_EQ(tp.size(), 2u);
  EXPECT_EQ(tp[0].op, CollectiveOp::kAllReduce);
  EXPECT_DOUBLE_EQ(tp[0].bytes_per_call, 2.0 * 16 * 64 * 2);  // b s h e
  EXPECT_EQ(tp[0].calls_per_step, 2 * 2 * 4);                 // 2 per layer x 2 layers x m
  EXPECT_EQ(tp[1].phase, "bwd");
  EXPECT_EQ(tp[1].calls_per_step, 16);
  EXPECT_EQ(tp[0].group_size, 2);
  const auto pp = pp_traffic(in);
  ASSERT_EQ(pp.size(), 2u);
  EXPECT_EQ(pp[0].op, CollectiveOp::kSendRecv);
  EXPECT_DOUBLE_EQ(pp[0].bytes_per_call, 4096);
  EXPECT_EQ(pp[0].calls_per_step, 4);
  // Sequence parallelism divides the stage boundary by tp; interleaving multiplies the calls.
  TrainingConfig t = small_batch();
  t.sequence_parallel = true;
  t.virtual_pipeline_stages = 2;
  const auto in2 = make_traffic_inputs(tiny(), t, parse_mesh_sizes("tp=2,pp=2"));
  EXPECT_DOUBLE_EQ(pp_traffic(in2)[0].bytes_per_call, 2048);
  EXPECT_EQ(pp_traffic(in2)[0].calls_per_step, 8);
}

// The vocab-parallel embedding (stage 0) and output layer with its cross entropy (last stage),
// per micro-batch; both on one stage when pp = 1; none without TP.
TEST(Traffic, VocabParallelEmbeddingAndOutputLayer) {
  const auto in = make_traffic_inputs(tiny(), small_batch(), parse_mesh_sizes("tp=2,pp=2"));
  const auto rows = vocab_traffic(in);  // stage 0 is described: the embedding only
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].op, CollectiveOp::kAllReduce);
  EXPECT_EQ(rows[0].phase, "fwd");
  EXPECT_DOUBLE_EQ(rows[0].bytes_per_call, 2.0 * 16 * 64 * 2);  // b s h e
  EXPECT_EQ(rows[0].calls_per_step, 4);                          // m
  TrainingConfig t = small_batch();
  t.sequence_parallel = true;
  const auto one = vocab_traffic(make_traffic_inputs(tiny(), t, parse_mesh_sizes("tp=2")));
  // Embedding: reduce-scatter forward, all-gather backward; output layer: all-gather forward,
  // reduce-scatter backward; cross entropy: 3 all-reduces of b s fp32.
  ASSERT_EQ(one.size(), 5u);
  EXPECT_EQ(one[0].op, CollectiveOp::kReduceScatter);
  EXPECT_EQ(one[1].op, CollectiveOp::kAllGather);
  EXPECT_EQ(one[2].op, CollectiveOp::kAllGather);
  EXPECT_EQ(one[3].op, CollectiveOp::kReduceScatter);
  EXPECT_EQ(one[4].op, CollectiveOp::kAllReduce);
  EXPECT_DOUBLE_EQ(one[4].bytes_per_call, 2.0 * 16 * 4);
  EXPECT_EQ(one[4].calls_per_step, 3 * one[0].calls_per_step);
  EXPECT_TRUE(vocab_traffic(make_traffic_inputs(tiny(), t, parse_mesh_sizes("dp=2"))).empty());
}

// The tied embedding's gradient all-reduce: once a step between the pipeline's ends, of the
// vocab shard padded to 128 x tp, in the reduction dtype; none untied or without a pipeline.
TEST(Traffic, TiedEmbeddingGradientBetweenPipelineEnds) {
  ModelConfig m = model_preset("gpt3-175b");  // tied, V 50257
  TrainingConfig t;
  t.seq_length = 2048;
  const auto rows = embedding_grad_traffic(make_traffic_inputs(m, t, parse_mesh_sizes("tp=8,pp=8")));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].axis, "emb");
  EXPECT_TRUE(rows[0].pipeline_ends);
  EXPECT_EQ(rows[0].group_size, 2);
  EXPECT_EQ(rows[0].calls_per_step, 1);
  EXPECT_DOUBLE_EQ(rows[0].bytes_per_call, 51200.0 / 8 * 12288 * 4);  // 50257 -> 51200 = 50 x 1024
  EXPECT_TRUE(embedding_grad_traffic(make_traffic_inputs(m, t, parse_mesh_sizes("tp=8,dp=8"))).empty());
  m.tied_embeddings = false;
  EXPECT_TRUE(embedding_grad_traffic(make_traffic_inputs(m, t, parse_mesh_sizes("tp=8,pp=8"))).empty());
}

// On a real tied config (tests/data/configs/gpt2-large.json, Hugging Face's gpt2-large: V 50257,
// h 1280, 36 layers, tie_word_embeddings by default): tp 4 x pp 4 has the embedding all-reduce
// of (50257 padded to 512) / 4 x 1280 fp32, and stage 0 its embedding's TP rows.
TEST(Traffic, TiedEmbeddingOfARealConfig) {
  const ModelConfig m = load_model(std::string(MESHBENCH_TEST_DATA) + "/configs/gpt2-large.json", "");
  ASSERT_TRUE(m.tied_embeddings);
  TrainingConfig t;
  t.seq_length = 1024;
  t.sequence_parallel = true;
  const TrafficInputs in = make_traffic_inputs(m, t, parse_mesh_sizes("tp=4,pp=4"));
  const auto emb = embedding_grad_traffic(in);
  ASSERT_EQ(emb.size(), 1u);
  EXPECT_DOUBLE_EQ(emb[0].bytes_per_call, 50688.0 / 4 * 1280 * 4);
  const auto vocab = vocab_traffic(in);
  ASSERT_EQ(vocab.size(), 2u);  // stage 0: the embedding's reduce-scatter and its backward all-gather
  EXPECT_DOUBLE_EQ(vocab[0].bytes_per_call, 1024.0 * 1280 * 2);
  EXPECT_FALSE(vocab[0].overlappable);
}

TEST(Traffic, MegatronTensorParallelVolumePerLayer) {
  // Shoeybi et al. 2019: per layer, forward + backward, 4 all-reduces of b x s x h elements.
  ModelConfig m = model_preset("gpt3-175b");
  TrainingConfig t;
  t.seq_length = 2048;
  t.micro_batch_size = 1;
  const MeshSizes layout = parse_mesh_sizes("tp=8,pp=96");  // one layer per stage, m = 1
  const auto rows = tp_traffic(make_traffic_inputs(m, t, layout));
  double bytes = 0;
  for (const auto& r : rows) bytes += r.bytes_per_step();
  EXPECT_DOUBLE_EQ(bytes, 4.0 * 1 * 2048 * 12288 * 2);
  // Sequence parallelism moves the same bytes on the wire (Korthikanti et al. 2022, 4.2.2).
  t.sequence_parallel = true;
  EXPECT_DOUBLE_EQ(wire_bytes(tp_traffic(make_traffic_inputs(m, t, layout))), wire_bytes(rows));
  // Full recomputation repeats the forward's 2 all-reduces in backward.
  t.sequence_parallel = false;
  t.recompute = Recompute::kFull;
  double full = 0;
  for (const auto& r : tp_traffic(make_traffic_inputs(m, t, layout))) full += r.bytes_per_step();
  EXPECT_DOUBLE_EQ(full, 1.5 * bytes);
}

TEST(Traffic, DataParallelBucketsByHand) {
  // tp=2, dp=2, pp=1: a layer has 64*(64+2*32) + 64*64 + 2*64*256 = 45056 tp-split
  // parameters and 2 RMSNorms of 64 that every TP rank holds whole: 22528 + 128 = 22656 per
  // GPU, 4 layers, fp32 gradients: 362496 bytes in buckets of 100000.
  TrainingConfig t = small_batch();
  t.dp_bucket_bytes = 100000;
  const auto rows = dp_traffic(make_traffic_inputs(tiny(), t, parse_mesh_sizes("tp=2,dp=2")));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_DOUBLE_EQ(rows[0].bytes_per_call, 100000);
  EXPECT_EQ(rows[0].calls_per_step, 3);
  EXPECT_DOUBLE_EQ(rows[1].bytes_per_call, 62496);
  EXPECT_EQ(rows[1].calls_per_step, 1);
  EXPECT_EQ(rows[0].group_size, 2);
  EXPECT_EQ(rows[0].phase, "step");
}

TEST(Traffic, ZeroThreeMovesOneAndAHalfTimesDataParallel) {
  // Rajbhandari et al. 2020, section 7: DP all-reduce moves 2 psi, ZeRO-3 3 psi (same dtype).
  TrainingConfig t = small_batch();
  t.global_batch_size = 2 * 8;  // m = 1
  t.grad_reduce_bytes = 2;
  t.dp_bucket_bytes = 1e12;
  const MeshSizes layout = parse_mesh_sizes("dp=8");
  const double dp = wire_bytes(dp_traffic(make_traffic_inputs(tiny(), t, layout)));
  t.zero_stage = 3;
  const auto zero = zero_traffic(make_traffic_inputs(tiny(), t, layout));
  EXPECT_EQ(zero.size(), 3u);
  EXPECT_NEAR(wire_bytes(zero) / dp, 1.5, 1e-12);
  t.zero_stage = 1;  // stages 1-2 move what DP moves: reduce-scatter + all-gather
  EXPECT_NEAR(wire_bytes(zero_traffic(make_traffic_inputs(tiny(), t, layout))) / dp, 1.0, 1e-12);
}

TEST(Traffic, ContextAndExpertRowsByHand) {
  // cp=2: s/cp = 8 tokens, K block = 2 x 8 x 32 (2 KV heads x 16) / tp 1 x 2 B = 1024 B.
  const auto cp = cp_traffic(make_traffic_inputs(tiny(), small_batch(), parse_mesh_sizes("cp=2")));
  ASSERT_EQ(cp.size(), 2u);
  EXPECT_DOUBLE_EQ(cp[0].bytes_per_call, 2 * 1024);
  EXPECT_EQ(cp[0].calls_per_step, 1 * 4 * 4);  // (cp-1) x 4 layers x m = 8/2 = 4
  EXPECT_DOUBLE_EQ(cp[1].bytes_per_call, 4 * 1024);
  ModelConfig moe = tiny();
  moe.num_experts = 4;
  moe.experts_per_token = 2;
  const auto ep = ep_traffic(make_traffic_inputs(moe, small_batch(), parse_mesh_sizes("ep=2")));
  ASSERT_EQ(ep.size(), 2u);
  EXPECT_EQ(ep[0].op, CollectiveOp::kAllToAll);
  EXPECT_DOUBLE_EQ(ep[0].bytes_per_call, 2.0 * 16 * 2 * 64 * 2);  // b s topk h e
  EXPECT_EQ(ep[0].calls_per_step, 2 * 4 * 4);
}

TEST(ModelPresets, ParameterCountsMatchPublishedSizes) {
  // Published size, and the tolerance its rounding allows (position embeddings and biases,
  // which meshbench leaves out, are under 1% for these models).
  const std::tuple<const char*, double, double> published[] = {
      {"gpt3-175b", 175e9, 0.01},   {"llama3-8b", 8.03e9, 0.01}, {"llama3-70b", 70.6e9, 0.01},
      {"llama3-405b", 405.9e9, 0.01}, {"mixtral-8x7b", 46.7e9, 0.01},
      // Narayanan et al. 2021 Table 1 ("1.7B" has two significant digits)
      {"gpt-1.7b", 1.7e9, 0.035},   {"gpt-145b", 145.6e9, 0.01}, {"gpt-530b", 529.6e9, 0.01},
      {"gpt-1t", 1008.0e9, 0.01}};
  for (const auto& [name, params, tolerance] : published) {
    EXPECT_NEAR(model_preset(name).total_params() / params, 1.0, tolerance) << name;
  }
  EXPECT_THROW(model_preset("gpt-5"), ConfigError);
}

TEST(Traffic, BadLayoutsNameTheField) {
  auto message = [](const char* layout, TrainingConfig t) {
    try {
      make_traffic_inputs(tiny(), t, parse_mesh_sizes(layout));
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(message("tp=8", small_batch()).find("num_attention_heads 4"), std::string::npos);
  EXPECT_NE(message("tp=4", small_batch()).find("num_key_value_heads 2"), std::string::npos);
  EXPECT_NE(message("pp=3", small_batch()).find("num_layers 4"), std::string::npos);
  EXPECT_NE(message("cp=16", small_batch()).find("--seq-length 16"), std::string::npos);
  EXPECT_NE(message("dp=3", small_batch()).find("--global-batch-size 8"), std::string::npos);
  EXPECT_NE(message("ep=2", small_batch()).find("has no experts"), std::string::npos);
}

}  // namespace
}  // namespace meshbench
