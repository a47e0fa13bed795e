#include "patterns/collective_cost.hpp"

#include <gtest/gtest.h>

namespace meshbench {
namespace {

TEST(AlgorithmSteps, RingByHand) {
  // 8 ranks: ring all_reduce 14 steps moving 2*7/8 of the data.
  const auto ar = algorithm_steps(CollectiveOp::kAllReduce, Algorithm::kRing, 8);
  EXPECT_DOUBLE_EQ(ar.alpha_steps, 14);
  EXPECT_DOUBLE_EQ(ar.beta_fraction, 1.75);
  const auto ag = algorithm_steps(CollectiveOp::kAllGather, Algorithm::kRing, 8);
  EXPECT_DOUBLE_EQ(ag.alpha_steps, 7);
  EXPECT_DOUBLE_EQ(ag.beta_fraction, 0.875);
  // The ring's beta fraction is the nccl-tests busbw factor: busbw measures the link.
  for (int p : {2, 3, 8, 16, 64}) {
    EXPECT_DOUBLE_EQ(algorithm_steps(CollectiveOp::kAllReduce, Algorithm::kRing, p).beta_fraction,
                     busbw_factor(CollectiveOp::kAllReduce, p));
    EXPECT_DOUBLE_EQ(
        algorithm_steps(CollectiveOp::kReduceScatter, Algorithm::kRing, p).beta_fraction,
        busbw_factor(CollectiveOp::kReduceScatter, p));
  }
}

TEST(AlgorithmSteps, LogarithmicByHand) {
  const auto rd = algorithm_steps(CollectiveOp::kAllReduce, Algorithm::kRecursiveDoubling, 16);
  EXPECT_DOUBLE_EQ(rd.alpha_steps, 4);
  EXPECT_DOUBLE_EQ(rd.beta_fraction, 4);
  const auto tree = algorithm_steps(CollectiveOp::kAllReduce, Algorithm::kTree, 12);  // lg 12 -> 4
  EXPECT_DOUBLE_EQ(tree.alpha_steps, 8);
  EXPECT_DOUBLE_EQ(tree.beta_fraction, 1);
  EXPECT_THROW(algorithm_steps(CollectiveOp::kAllGather, Algorithm::kTree, 8),
               std::invalid_argument);
  EXPECT_DOUBLE_EQ(algorithm_steps(CollectiveOp::kAllReduce, Algorithm::kRing, 1).alpha_steps, 0);
}

TEST(AlgorithmSteps, TwoLevelAllReduceByHand) {
  // k=2 nodes of g=4: intra 2*3 a_i + 1.5 n b_i; inter 2*1 a_e + 1 * (n/4) b_e.
  const LinkCost intra{1.0, 0.001}, inter{10.0, 0.01};
  const double n = 1000;
  EXPECT_DOUBLE_EQ(two_level_all_reduce_us(n, 2, 4, intra, inter),
                   6 * 1.0 + 1.5 * n * 0.001 + 2 * 10.0 + 1.0 * (n / 4) * 0.01);
  // One node: only the intra phases remain, which equal a ring of g.
  const auto ring4 = algorithm_steps(CollectiveOp::kAllReduce, Algorithm::kRing, 4);
  EXPECT_DOUBLE_EQ(two_level_all_reduce_us(n, 1, 4, intra, inter),
                   ring4.alpha_steps * 1.0 + ring4.beta_fraction * n * 0.001);
}

}  // namespace
}  // namespace meshbench
