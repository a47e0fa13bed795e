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

TEST(AlgorithmSteps, RecursiveDoublingFoldsTheRanksBeyondAPowerOfTwo) {
  // MPICH: 3 ranks fold one vector in, exchange once between two, and send the result back.
  const auto rd3 = algorithm_steps(CollectiveOp::kAllReduce, Algorithm::kRecursiveDoubling, 3);
  EXPECT_DOUBLE_EQ(rd3.alpha_steps, 3);
  EXPECT_DOUBLE_EQ(rd3.beta_fraction, 3);
  const auto rd6 = algorithm_steps(CollectiveOp::kAllReduce, Algorithm::kRecursiveDoubling, 6);
  EXPECT_DOUBLE_EQ(rd6.alpha_steps, 4);  // lg 4 + 2
  const auto rd8 = algorithm_steps(CollectiveOp::kAllReduce, Algorithm::kRecursiveDoubling, 8);
  EXPECT_DOUBLE_EQ(rd8.alpha_steps, 3);
}

TEST(AlgorithmSteps, ThePipelinedRingHasTheRingsStepsAndIsNcclsDefault) {
  for (int p : {2, 5, 64}) {
    const auto ring = algorithm_steps(CollectiveOp::kAllGather, Algorithm::kRing, p);
    const auto piped = algorithm_steps(CollectiveOp::kAllGather, Algorithm::kPipelinedRing, p);
    EXPECT_DOUBLE_EQ(piped.alpha_steps, ring.alpha_steps);
    EXPECT_DOUBLE_EQ(piped.beta_fraction, ring.beta_fraction);
  }
  EXPECT_EQ(default_algorithm(CollectiveOp::kAllReduce, CommLibrary::kNccl), Algorithm::kPipelinedRing);
  EXPECT_EQ(default_algorithm(CollectiveOp::kAllReduce, CommLibrary::kMpi), Algorithm::kRing);
  EXPECT_EQ(default_algorithm(CollectiveOp::kSendRecv, CommLibrary::kNccl), Algorithm::kDirect);
  EXPECT_EQ(parse_algorithm("pipelined_ring"), Algorithm::kPipelinedRing);
  EXPECT_THROW(algorithm_steps(CollectiveOp::kAllGather, Algorithm::kTree, 4), std::invalid_argument);
}

TEST(ScaledIntercept, StoreAndForwardScalesTheWholeInterceptWithTheSteps) {
  // Ring all_reduce 16 -> 64 ranks: 30 -> 126 steps, whatever the regime.
  for (const bool latency_bound : {true, false}) {
    EXPECT_DOUBLE_EQ(scaled_intercept_us(CollectiveOp::kAllReduce, Algorithm::kRing, 300,
                                         latency_bound, 2, 16, 64, true),
                     300.0 * 126 / 30);
  }
}

TEST(ScaledIntercept, APipelinedRingsBandwidthRegimeMovesOnlyItsFill) {
  // 889 us fitted on 16 ranks, 4 us per step in the latency-bound regime: 120 us of fill (30
  // steps) grows to 504 us at 64 ranks (126 steps); the other 769 us are per call.
  EXPECT_DOUBLE_EQ(scaled_intercept_us(CollectiveOp::kAllReduce, Algorithm::kPipelinedRing, 889,
                                       false, 4, 16, 64, true),
                   769.0 + 504.0);
  // No latency-bound regime measured: all of it is per call.
  EXPECT_DOUBLE_EQ(scaled_intercept_us(CollectiveOp::kAllReduce, Algorithm::kPipelinedRing, 889,
                                       false, 0, 16, 64, true),
                   889.0);
  // An intercept below the fill is all fill.
  EXPECT_DOUBLE_EQ(scaled_intercept_us(CollectiveOp::kAllGather, Algorithm::kPipelinedRing, 60,
                                       false, 4, 16, 64, true),
                   60.0 * 63 / 15);
  // The same ranks: nothing moves.
  EXPECT_DOUBLE_EQ(scaled_intercept_us(CollectiveOp::kAllReduce, Algorithm::kPipelinedRing, 889,
                                       false, 4, 16, 16, true),
                   889.0);
}

TEST(ScaledIntercept, APipelinedRingsLatencyRegimeGrowsWithTheAlgorithmNcclRunsThere) {
  // Across nodes a latency-bound all_reduce runs as the tree: 2 lg 16 = 8 -> 2 lg 64 = 12.
  EXPECT_DOUBLE_EQ(scaled_intercept_us(CollectiveOp::kAllReduce, Algorithm::kPipelinedRing, 40,
                                       true, 1, 16, 64, true),
                   40.0 * 12 / 8);
  // Inside a node, and for all_gather, the ring's steps.
  EXPECT_DOUBLE_EQ(scaled_intercept_us(CollectiveOp::kAllReduce, Algorithm::kPipelinedRing, 40,
                                       true, 1, 4, 8, false),
                   40.0 * 14 / 6);
  EXPECT_DOUBLE_EQ(scaled_intercept_us(CollectiveOp::kAllGather, Algorithm::kPipelinedRing, 40,
                                       true, 1, 16, 64, true),
                   40.0 * 63 / 15);
}

}  // namespace
}  // namespace meshbench
