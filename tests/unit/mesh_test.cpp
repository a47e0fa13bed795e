#include "patterns/mesh.hpp"

#include <gtest/gtest.h>

namespace meshbench {
namespace {

using Groups = std::vector<std::vector<int>>;

DeviceMesh mesh_of(const char* sizes, const char* order, int world) {
  return DeviceMesh(parse_mesh_sizes(sizes), parse_mesh_order(order), world);
}

// tp=2, pp=2, dp=2 on 8 ranks, Megatron order tp-cp-ep-dp-pp: tp stride 1, dp stride 2,
// pp stride 4 (the groups written out by hand).
TEST(DeviceMesh, MegatronOrderGroupsByHand) {
  const DeviceMesh m = mesh_of("tp=2,pp=2,dp=2", "megatron", 8);
  EXPECT_EQ(m.groups(MeshAxis::kTp), (Groups{{0, 1}, {2, 3}, {4, 5}, {6, 7}}));
  EXPECT_EQ(m.groups(MeshAxis::kDp), (Groups{{0, 2}, {1, 3}, {4, 6}, {5, 7}}));
  EXPECT_EQ(m.groups(MeshAxis::kPp), (Groups{{0, 4}, {1, 5}, {2, 6}, {3, 7}}));
  EXPECT_EQ(m.groups(MeshAxis::kCp), (Groups{{0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}}));
  // rank 6 = tp 0, dp 1, pp 1
  const auto c = m.coords(6);
  EXPECT_EQ(c[static_cast<int>(MeshAxis::kTp)], 0);
  EXPECT_EQ(c[static_cast<int>(MeshAxis::kDp)], 1);
  EXPECT_EQ(c[static_cast<int>(MeshAxis::kPp)], 1);
  for (int r = 0; r < 8; ++r) EXPECT_EQ(m.rank_of(m.coords(r)), r);
  EXPECT_EQ(m.group_index(5, MeshAxis::kDp), 3);
}

// The reverse order pp-dp-ep-cp-tp: pp stride 1, dp stride 2, tp stride 4.
TEST(DeviceMesh, ReversedOrderGroupsByHand) {
  const DeviceMesh m = mesh_of("tp=2,pp=2,dp=2", "pp-dp-ep-cp-tp", 8);
  EXPECT_EQ(m.groups(MeshAxis::kTp), (Groups{{0, 4}, {1, 5}, {2, 6}, {3, 7}}));
  EXPECT_EQ(m.groups(MeshAxis::kDp), (Groups{{0, 2}, {1, 3}, {4, 6}, {5, 7}}));
  EXPECT_EQ(m.groups(MeshAxis::kPp), (Groups{{0, 1}, {2, 3}, {4, 5}, {6, 7}}));
  // torchtitan writes the slowest axis first: its "tp-dp-pp" is this placement.
  const DeviceMesh titan = mesh_of("tp=2,pp=2,dp=2", "torchtitan:tp-dp-pp", 8);
  for (MeshAxis a : kAllMeshAxes) EXPECT_EQ(titan.groups(a), m.groups(a));
}

TEST(DeviceMesh, GroupsOfSeveralAxes) {
  // dp x cp on tp=2, cp=2, dp=2 in Megatron order (tp stride 1, cp 2, dp 4): ranks sharing tp.
  const DeviceMesh m = mesh_of("tp=2,cp=2,dp=2", "megatron", 8);
  EXPECT_EQ(m.groups(std::vector<MeshAxis>{MeshAxis::kDp, MeshAxis::kCp}),
            (Groups{{0, 2, 4, 6}, {1, 3, 5, 7}}));
  EXPECT_EQ(m.group_index(5, std::vector<MeshAxis>{MeshAxis::kDp, MeshAxis::kCp}), 1);
  EXPECT_EQ(m.groups(std::vector<MeshAxis>{MeshAxis::kTp}), m.groups(MeshAxis::kTp));
}

TEST(DeviceMesh, TorchtitanNameIsTheSamePlacementAsMegatron) {
  EXPECT_EQ(parse_mesh_order("torchtitan"), parse_mesh_order("megatron"));
  EXPECT_EQ(format_mesh_order(parse_mesh_order("dp-tp")), "dp-tp-cp-ep-pp");
}

TEST(DeviceMesh, TiersOnTwoNodesOfFourRanks) {
  const std::vector<int> node_of_rank = {0, 0, 0, 0, 1, 1, 1, 1};
  const DeviceMesh megatron = mesh_of("tp=2,pp=2,dp=2", "megatron", 8);
  for (const auto& g : megatron.groups(MeshAxis::kTp)) {
    const GroupPlacement p = classify_group(g, node_of_rank);
    EXPECT_EQ(p.tier(), "intra");
    EXPECT_EQ(p.nodes, 1);
    EXPECT_EQ(p.ranks_per_node, 2);
  }
  for (const auto& g : megatron.groups(MeshAxis::kPp)) {
    const GroupPlacement p = classify_group(g, node_of_rank);
    EXPECT_EQ(p.tier(), "inter");
    EXPECT_EQ(p.nodes, 2);
    EXPECT_EQ(p.ranks_per_node, 1);
  }
  const DeviceMesh reversed = mesh_of("tp=2,pp=2,dp=2", "pp-dp-tp", 8);
  for (const auto& g : reversed.groups(MeshAxis::kTp)) {
    EXPECT_EQ(classify_group(g, node_of_rank).tier(), "inter");
  }
  // dp=4 strided by tp=2 spans both nodes with 2 ranks on each: (k, g) = (2, 2).
  const DeviceMesh wide = mesh_of("tp=2,dp=4", "tp-dp", 8);
  const GroupPlacement p = classify_group(wide.groups(MeshAxis::kDp)[0], node_of_rank);
  EXPECT_EQ(wide.groups(MeshAxis::kDp)[0], (std::vector<int>{0, 2, 4, 6}));
  EXPECT_TRUE(p.inter);
  EXPECT_EQ(p.nodes, 2);
  EXPECT_EQ(p.ranks_per_node, 2);
  EXPECT_TRUE(p.even);
  EXPECT_FALSE(classify_group({0, 1, 4}, node_of_rank).even);
}

TEST(DeviceMesh, BadInputNamesTheValue) {
  EXPECT_THROW(parse_mesh_sizes("tp=2,tp=2"), MeshError);
  EXPECT_THROW(parse_mesh_sizes("xp=2"), MeshError);
  EXPECT_THROW(parse_mesh_sizes("tp=0"), MeshError);
  EXPECT_THROW(parse_mesh_sizes("tp=2x"), MeshError);
  EXPECT_THROW(parse_mesh_sizes("tp"), MeshError);
  EXPECT_THROW(parse_mesh_order("tp-tp"), MeshError);
  EXPECT_THROW(parse_mesh_order("deepspeed"), MeshError);
  try {
    DeviceMesh(parse_mesh_sizes("tp=2,dp=2"), parse_mesh_order("megatron"), 6);
    FAIL() << "world-size mismatch accepted";
  } catch (const MeshError& e) {
    EXPECT_STREQ(e.what(), "--mesh tp=2,dp=2 has 4 ranks, the job has 6");
  }
}

}  // namespace
}  // namespace meshbench
