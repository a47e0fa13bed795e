// The uneven pipeline splits of Megatron-Core (patterns/training.hpp pipeline_split).
#include <gtest/gtest.h>

#include "fit/plan/estimate.hpp"
#include "fit/plan/model_math.hpp"
#include "patterns/traffic.hpp"

namespace meshbench {
namespace {

std::vector<long long> stage_totals(const PipelineSplit& s) {
  std::vector<long long> out;
  for (int i = 0; i < s.pp; ++i) out.push_back(s.stage_total(i));
  return out;
}

TEST(PipelineSplit, EmbeddingAndLossCountedAsLayers) {
  // Llama 3.1 405B: 126 layers + embedding + loss = 128 = 16 x 8, so the first and last of 16
  // stages hold 7 transformer layers and the others 8 (Llama 3 paper section 3.3.2).
  const ModelConfig m = model_preset("llama3-405b");
  TrainingConfig t;
  t.embedding_in_split = t.loss_in_split = true;
  const PipelineSplit s = pipeline_split(m, t, 16);
  std::vector<long long> want(16, 8);
  want.front() = want.back() = 7;
  EXPECT_EQ(stage_totals(s), want);
  EXPECT_EQ(s.chunk_begin[1], 7);
  EXPECT_EQ(s.chunk_begin[15], 7 + 14 * 8);
  EXPECT_FALSE(s.even());
  // Without them 126 does not divide by 16, and the error says so.
  t.embedding_in_split = t.loss_in_split = false;
  EXPECT_THROW(pipeline_split(m, t, 16), ConfigError);
}

TEST(PipelineSplit, InterleavedWithEmbeddingAndLossCounted) {
  // Megatron-Bridge's Llama 3.1 405B pre-training recipe: PP 8 x VPP 2 with the embedding and
  // loss counted, (126 + 2) / 16 = 8 per chunk: "E+7, 8, ..., 7+L".
  TrainingConfig t;
  t.virtual_pipeline_stages = 2;
  t.embedding_in_split = t.loss_in_split = true;
  const PipelineSplit s = pipeline_split(model_preset("llama3-405b"), t, 8);
  std::vector<long long> want(16, 8);
  want.front() = want.back() = 7;
  EXPECT_EQ(s.chunk_layers, want);
  EXPECT_EQ(s.stage_total(0), 15);  // chunks 0 and 8
  EXPECT_EQ(s.stage_total(7), 15);  // chunks 7 and 15
  EXPECT_EQ(s.stage_total(3), 16);
}

TEST(PipelineSplit, TooManyChunksRefusedBeforeAllocating) {
  TrainingConfig t;
  t.virtual_pipeline_stages = 1 << 30;
  EXPECT_THROW(pipeline_split(model_preset("llama3-8b"), t, 1 << 20), ConfigError);
}

TEST(PipelineSplit, PaceIsTheSlowestStage) {
  // 405B on 16 stages, 7/8.../8/7 layers + the output layer on the last: the pace is a middle
  // stage's 8 layers against the mean of 126 layers and the logits over 16 stages.
  TrainingConfig t;
  t.embedding_in_split = t.loss_in_split = true;
  t.seq_length = 8192;
  t.global_batch_size = 16;
  const ModelConfig m = model_preset("llama3-405b");
  const TrafficInputs in = make_traffic_inputs(m, t, parse_mesh_sizes("tp=8,pp=16"));
  const plan::ForwardFlopsPerToken f = plan::forward_flops_per_token(m, 8192);
  const double layer = (f.matmul + f.attention) / 126;
  ASSERT_LT(f.logits, layer);  // so the last stage (7 layers + logits) is not the slowest
  EXPECT_NEAR(plan::pipeline_pace_factor(in), 8 * layer * 16 / (126 * layer + f.logits), 1e-9);
  // Evenly split, the output layer makes the last stage the slowest.
  t.embedding_in_split = t.loss_in_split = false;
  const TrafficInputs even = make_traffic_inputs(model_preset("llama3-8b"), t, parse_mesh_sizes("pp=2"));
  const plan::ForwardFlopsPerToken g = plan::forward_flops_per_token(even.model, 8192);
  EXPECT_NEAR(plan::pipeline_pace_factor(even),
              (g.matmul + g.attention + 2 * g.logits) / (g.matmul + g.attention + g.logits), 1e-9);
}

TEST(PipelineSplit, FirstAndLastStageLayersGiven) {
  const ModelConfig m = model_preset("llama3-405b");
  TrainingConfig t;
  t.first_stage_layers = 7;
  t.last_stage_layers = 7;
  EXPECT_EQ(stage_totals(pipeline_split(m, t, 16)).at(1), 8);  // (126 - 14) / 14
  t.first_stage_layers = 6;  // 114 / 14 is not whole
  try {
    pipeline_split(m, t, 16);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("do not split evenly over the other 14"), std::string::npos);
  }
  t.first_stage_layers = 0;
  t.last_stage_layers = 6;  // 120 / 15 = 8 for the first 15 stages
  const PipelineSplit s = pipeline_split(m, t, 16);
  EXPECT_EQ(s.stage_total(0), 8);
  EXPECT_EQ(s.stage_total(15), 6);
}

TEST(PipelineSplit, InterleavedChunksInModelOrder) {
  // 4 stages x 2 chunks, first and last stage 4 layers, the middle two 6: chunk c runs on
  // stage c % 4 and holds half its stage's layers.
  ModelConfig m = model_preset("llama3-8b");
  m.num_layers = 20;
  TrainingConfig t;
  t.virtual_pipeline_stages = 2;
  t.first_stage_layers = 4;
  t.last_stage_layers = 4;
  const PipelineSplit s = pipeline_split(m, t, 4);
  EXPECT_EQ(s.chunk_layers, (std::vector<long long>{2, 3, 3, 2, 2, 3, 3, 2}));
  EXPECT_EQ(s.chunk_begin, (std::vector<long long>{0, 2, 5, 8, 10, 12, 15, 18}));
  t.first_stage_layers = 3;  // 3 layers in 2 chunks
  t.last_stage_layers = 3;
  m.num_layers = 15;
  EXPECT_THROW(pipeline_split(m, t, 4), ConfigError);
}

TEST(PipelineSplit, RefusesCombinationsMegatronRefuses) {
  const ModelConfig m = model_preset("llama3-8b");
  TrainingConfig t;
  t.first_stage_layers = 8;
  t.loss_in_split = true;
  EXPECT_THROW(pipeline_split(m, t, 4), ConfigError);
  t.loss_in_split = false;
  EXPECT_THROW(pipeline_split(m, t, 1), ConfigError);  // uneven needs pp > 1
  t.first_stage_layers = 33;
  EXPECT_THROW(pipeline_split(m, t, 4), ConfigError);
}

TEST(PipelineSplit, TrafficDescribesTheFullestStageAndMemoryEveryStage) {
  const ModelConfig m = model_preset("llama3-405b");
  TrainingConfig t;
  t.embedding_in_split = t.loss_in_split = true;
  t.seq_length = 8192;
  t.global_batch_size = 64;
  t.sequence_parallel = true;
  t.recompute = Recompute::kFull;
  t.zero_stage = 1;
  const TrafficInputs in = make_traffic_inputs(m, t, parse_mesh_sizes("tp=8,pp=16,dp=8"));
  EXPECT_EQ(in.shape.stage, 1);
  EXPECT_EQ(in.shape.layers_per_stage, 8);
  // The first stage holds the embedding table but one layer fewer; a middle stage 8 layers.
  const plan::MemoryBreakdown first = plan::stage_memory_per_gpu(in, 0);
  const plan::MemoryBreakdown middle = plan::stage_memory_per_gpu(in, 1);
  const double layer = static_cast<double>(stage_params_per_gpu(in, {1, 0}).dense);
  const double table = static_cast<double>(m.vocab_size * m.hidden_size) / 8;
  EXPECT_NEAR(first.weights - middle.weights, 2 * (table - layer), 1e-6 * middle.weights);
  EXPECT_EQ(plan::memory_per_gpu(in).stage, middle.total() >= first.total() ? 1 : 0);
}

// The plan reports every stage and names the one that sets the pace: with the embedding and
// loss counted, a middle stage of 8 layers; split evenly (126 = 18 x 7), the last stage, which
// also runs the output layer.
TEST(PipelineSplit, PlanNamesTheBottleneckStage) {
  const ModelConfig m = model_preset("llama3-405b");
  const auto cost = plan::spec_sheet_cost(plan::cluster_spec("dgx-h100"));
  TrainingConfig t;
  t.seq_length = 8192;
  t.global_batch_size = 2048;
  t.sequence_parallel = true;
  t.recompute = Recompute::kFull;
  t.embedding_in_split = t.loss_in_split = true;
  const plan::StepEstimate uneven = plan::estimate_step(
      make_traffic_inputs(m, t, parse_mesh_sizes("tp=8,pp=16,dp=64")), gpu_spec("h100"), 8, *cost, {});
  ASSERT_EQ(uneven.stages.size(), 16u);
  EXPECT_EQ(uneven.bottleneck_stage, 1);
  EXPECT_EQ(uneven.stages[0].layers.total(), 7);
  EXPECT_TRUE(uneven.stages[0].embedding);
  EXPECT_TRUE(uneven.stages[15].output_layer);
  EXPECT_DOUBLE_EQ(uneven.stages[1].compute_s, uneven.compute_s);
  EXPECT_LT(uneven.stages[0].compute_s, uneven.stages[1].compute_s);
  t.embedding_in_split = t.loss_in_split = false;
  t.global_batch_size = 2016;
  const plan::StepEstimate even = plan::estimate_step(
      make_traffic_inputs(m, t, parse_mesh_sizes("tp=8,pp=18,dp=56")), gpu_spec("h100"), 8, *cost, {});
  EXPECT_EQ(even.bottleneck_stage, 17);
  EXPECT_LT(even.stages[16].compute_s, even.stages[17].compute_s);
}

}  // namespace
}  // namespace meshbench
