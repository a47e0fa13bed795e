#include <gtest/gtest.h>

#include "fit/plan/estimate.hpp"
#include "fit/plan/model_math.hpp"
#include "fit/plan/search.hpp"

namespace meshbench::plan {
namespace {

ModelConfig gpt(long long h, long long layers, long long heads) {
  ModelConfig m;
  m.name = "gpt";
  m.hidden_size = h;
  m.num_layers = layers;
  m.num_heads = heads;
  m.num_kv_heads = heads;
  m.ffn_hidden_size = 4 * h;
  m.vocab_size = 51200;
  m.tied_embeddings = true;
  return m;
}

TEST(ModelFlops, NarayananFormulaForGptModels) {
  // Narayanan et al. 2021 eq. 3: F = 72 B s l h^2 (1 + s/(6h) + V/(12 l h)).
  for (const char* name : {"gpt-1.7b", "gpt-18b", "gpt-145b", "gpt-1t", "gpt3-175b"}) {
    const ModelConfig m = model_preset(name);
    const double B = 1536, s = 2048, l = m.num_layers, h = m.hidden_size, V = m.vocab_size;
    const double expected = 72 * B * s * l * h * h * (1 + s / (6 * h) + V / (12 * l * h));
    EXPECT_NEAR(model_flops(m, B, s) / expected, 1.0, 1e-12) << name;
  }
  // Full recomputation adds one forward of the layers (not of the logits): Narayanan's hardware
  // FLOPs 96 B s l h^2 (1 + s/(6h) + V/(16 l h)).
  const ModelConfig m = model_preset("gpt-145b");
  const double B = 8, s = 2048, l = m.num_layers, h = m.hidden_size, V = m.vocab_size;
  EXPECT_NEAR(hardware_flops(m, B, s, Recompute::kFull) /
                  (96 * B * s * l * h * h * (1 + s / (6 * h) + V / (16 * l * h))),
              1.0, 1e-12);
  EXPECT_GT(hardware_flops(m, B, s, Recompute::kSelective), model_flops(m, B, s));
}

TEST(Memory, KorthikantiActivationsPerLayer) {
  // GPT-3 175B, s 2048, b 1, t 8 (Korthikanti et al. 2022, Table 2).
  const ModelConfig m = model_preset("gpt3-175b");
  TrainingConfig t;
  t.seq_length = 2048;
  const MeshSizes layout = parse_mesh_sizes("tp=8,pp=96");
  const double s = 2048, b = 1, h = 12288, a = 96, tp = 8;
  auto act = [&](bool sp, Recompute r) {
    TrainingConfig x = t;
    x.sequence_parallel = sp;
    x.recompute = r;
    return layer_activation_bytes(make_traffic_inputs(m, x, layout));
  };
  EXPECT_DOUBLE_EQ(act(false, Recompute::kNone), s * b * h * (10 + 24 / tp + 5 * a * s / (h * tp)));
  EXPECT_DOUBLE_EQ(act(true, Recompute::kNone), s * b * h * (34 / tp + 5 * a * s / (h * tp)));
  EXPECT_DOUBLE_EQ(act(true, Recompute::kSelective), s * b * h * 34 / tp);
  EXPECT_DOUBLE_EQ(act(false, Recompute::kFull), 2 * s * b * h);
}

TEST(Estimate, BubbleIsPMinusOneOverVM) {
  const ModelConfig m = gpt(4096, 32, 32);
  const auto cost = spec_sheet_cost(cluster_spec("dgx-h100"));
  for (int v : {1, 2}) {
    TrainingConfig t;
    t.seq_length = 2048;
    t.global_batch_size = 8;  // m = 8 with dp = 1
    t.virtual_pipeline_stages = v;
    const auto in = make_traffic_inputs(m, t, parse_mesh_sizes("tp=2,pp=4"));
    const StepEstimate e = estimate_step(in, gpu_spec("h100"), 8, *cost, {});
    EXPECT_NEAR(e.bubble_s / (e.compute_s + e.tp_s + e.cp_s + e.ep_s), 3.0 / (v * 8.0), 1e-12);
    EXPECT_GE(e.mfu_ceiling, e.mfu);
    EXPECT_NEAR(e.step_s, e.compute_s + e.tp_s + e.pp_s + e.bubble_s + e.dp_s + e.zero_s + e.cp_s + e.ep_s + e.emb_s, 1e-12);
  }
}

TEST(Estimate, TensorParallelAcrossNodesIsSeenAndCostsMore) {
  const ModelConfig m = gpt(8192, 16, 64);
  TrainingConfig t;
  t.seq_length = 2048;
  const auto cost = spec_sheet_cost(cluster_spec("dgx-h100"));
  const auto in_node = estimate_step(make_traffic_inputs(m, t, parse_mesh_sizes("tp=8,dp=2")),
                                     gpu_spec("h100"), 8, *cost, {});
  const auto across = estimate_step(make_traffic_inputs(m, t, parse_mesh_sizes("tp=16")),
                                    gpu_spec("h100"), 8, *cost, {});
  EXPECT_EQ(in_node.tp_nodes, 1);
  EXPECT_EQ(across.tp_nodes, 2);
  // Each of a node's 8 ranks drives its own NIC (8 x 45 GB/s, capped at NVLink's 360), so the
  // bandwidth term matches NVLink's; the 6 us per ring step across nodes makes it dearer.
  EXPECT_GT(across.tp_s, 1.3 * in_node.tp_s);
  EXPECT_LT(across.tp_s, 4 * in_node.tp_s);
}

struct Scenario {
  const char* name;
  ModelConfig model;
  int gpus;
  const char* gpu;
  long long seq, batch;
};

SearchResult run(const Scenario& s, std::optional<Candidate>& tree) {
  TrainingConfig t;
  t.seq_length = s.seq;
  t.global_batch_size = s.batch;
  const auto cost = spec_sheet_cost(cluster_for(gpu_spec(s.gpu)));
  std::vector<std::string> steps;
  tree = decision_tree(s.model, t, s.gpus, gpu_spec(s.gpu), 8, *cost, {}, steps);
  EXPECT_FALSE(steps.empty());
  return search_layouts(s.model, t, s.gpus, gpu_spec(s.gpu), 8, *cost, {});
}

// The chapter's four scenarios land on sound layouts.
TEST(Search, ChapterScenarios) {
  std::optional<Candidate> tree;
  // 1.3B on 8 x A100-40G: plain data parallelism, and the decision tree agrees.
  auto r = run({"1.3B", gpt(2048, 24, 16), 8, "a100-40g", 2048, 512}, tree);
  ASSERT_FALSE(r.ranked.empty());
  EXPECT_EQ(r.ranked[0].inputs.layout[MeshAxis::kDp], 8);
  ASSERT_TRUE(tree);
  EXPECT_EQ(tree->inputs.layout[MeshAxis::kDp], 8);
  // 13B on 8 x A100-80G: DP alone does not fit, so the tree shards with ZeRO-3; inside a node
  // its layer gathers hide behind the previous layer's compute, so it is within 5% of the best.
  r = run({"13B", gpt(5120, 40, 40), 8, "a100-80g", 2048, 512}, tree);
  ASSERT_FALSE(r.ranked.empty());
  ASSERT_TRUE(tree);
  EXPECT_EQ(tree->inputs.train.zero_stage, 3);
  EXPECT_GT(tree->estimate.mfu, 0.95 * r.ranked[0].estimate.mfu) << why_slower(*tree, r.ranked[0]);
  EXPECT_GT(tree->estimate.zero_total_s, 10 * tree->estimate.zero_s);
  // 70B on 64 H100: TP stays inside a node.
  r = run({"70B", model_preset("llama3-70b"), 64, "h100", 8192, 512}, tree);
  ASSERT_FALSE(r.ranked.empty());
  EXPECT_EQ(r.ranked[0].estimate.tp_nodes, 1);
  // 175B on 256 GPUs at 32k context: context parallelism shards the sequence.
  r = run({"175B", model_preset("gpt3-175b"), 256, "h100", 32768, 256}, tree);
  ASSERT_FALSE(r.ranked.empty());
  EXPECT_GT(r.ranked[0].inputs.layout[MeshAxis::kCp], 1);
  EXPECT_EQ(r.ranked[0].estimate.tp_nodes, 1);
}

TEST(Search, PrunesWhatDoesNotFitAndRanksByMfu) {
  std::optional<Candidate> tree;
  const auto r = run({"70B", model_preset("llama3-70b"), 64, "h100", 8192, 512}, tree);
  EXPECT_GT(r.over_memory, 0);
  EXPECT_EQ(static_cast<long long>(r.ranked.size()) + r.over_memory, r.enumerated);
  for (std::size_t i = 0; i < r.ranked.size(); ++i) {
    EXPECT_TRUE(r.ranked[i].estimate.fits);
    if (i > 0) {
      EXPECT_LE(r.ranked[i].estimate.mfu, r.ranked[i - 1].estimate.mfu);
    }
  }
  // A model that fits nowhere: nothing ranked, and the smallest need is reported.
  const auto none = run({"405B on 8", model_preset("llama3-405b"), 8, "a100-40g", 8192, 64}, tree);
  EXPECT_TRUE(none.ranked.empty());
  EXPECT_GT(none.smallest_memory_gib, 40);
  EXPECT_FALSE(tree);
}

}  // namespace
}  // namespace meshbench::plan

namespace meshbench::plan {
namespace {

// The planner's group placement is meshbench's: for every layout of a grid and several node
// sizes, nodes_spanned equals classify_group of the same group as DeviceMesh::groups lists it,
// with the node of each rank from a node_of_rank table, as `sweep --mesh` classifies groups.
TEST(Estimate, NodesSpannedAgreesWithDeviceMeshAndClassifyGroup) {
  const std::vector<std::vector<MeshAxis>> axis_sets = {
      {MeshAxis::kTp}, {MeshAxis::kCp}, {MeshAxis::kEp}, {MeshAxis::kDp}, {MeshAxis::kPp},
      {MeshAxis::kDp, MeshAxis::kCp}, {MeshAxis::kTp, MeshAxis::kCp}};
  int checked = 0;
  for (int tp : {1, 2, 3, 4, 8}) {
    for (int cp : {1, 2}) {
      for (int dp : {1, 2, 3, 4}) {
        for (int pp : {1, 2, 4}) {
          MeshSizes s;
          s[MeshAxis::kTp] = tp;
          s[MeshAxis::kCp] = cp;
          s[MeshAxis::kDp] = dp;
          s[MeshAxis::kPp] = pp;
          const DeviceMesh mesh(s, kMegatronOrder, s.product());
          for (int gpn : {1, 2, 4, 8}) {
            std::vector<int> node_of_rank(static_cast<std::size_t>(s.product()));
            for (std::size_t r = 0; r < node_of_rank.size(); ++r) {
              node_of_rank[r] = static_cast<int>(r) / gpn;
            }
            for (const auto& axes : axis_sets) {
              const auto groups = mesh.groups(axes);
              EXPECT_EQ(mesh.group_of(0, axes), groups.front());
              EXPECT_EQ(mesh.group_of(s.product() - 1, axes), groups.back());
              EXPECT_EQ(nodes_spanned(s, axes, gpn),
                        classify_group(groups.front(), node_of_rank).nodes)
                  << format_mesh_sizes(s) << " gpn " << gpn;
              for (const auto& g : groups) {
                const GroupPlacement a = classify_group(g, gpn), b = classify_group(g, node_of_rank);
                EXPECT_EQ(a.nodes, b.nodes);
                EXPECT_EQ(a.ranks_per_node, b.ranks_per_node);
                EXPECT_EQ(a.even, b.even);
              }
              ++checked;
            }
          }
        }
      }
    }
  }
  EXPECT_EQ(checked, 5 * 2 * 4 * 3 * 4 * 7);
}

// meshplan plan --order: tp=2,dp=2 on nodes of 2 in order dp-tp puts each TP group across both
// nodes, one rank on each, and each DP group inside one; Megatron's order the other way round.
TEST(Estimate, AxisPlacementFollowsTheMeshOrder) {
  MeshSizes s;
  s[MeshAxis::kTp] = 2;
  s[MeshAxis::kDp] = 2;
  const MeshOrder dp_tp = parse_mesh_order("dp-tp");
  const GroupPlacement tp = axis_placement(s, {MeshAxis::kTp}, 2, dp_tp);
  EXPECT_EQ(tp.nodes, 2);
  EXPECT_EQ(tp.ranks_per_node, 1);
  EXPECT_EQ(axis_placement(s, {MeshAxis::kDp}, 2, dp_tp).nodes, 1);
  EXPECT_EQ(axis_placement(s, {MeshAxis::kTp}, 2).nodes, 1);
  EXPECT_EQ(axis_placement(s, {MeshAxis::kDp}, 2).nodes, 2);
}

}  // namespace
}  // namespace meshbench::plan
