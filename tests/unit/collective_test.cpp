#include "patterns/collective.hpp"

#include <gtest/gtest.h>

namespace meshbench {
namespace {

TEST(BusbwFactor, MatchesNcclTestsForOneToSixteenRanks) {
  for (int n = 1; n <= 16; ++n) {
    SCOPED_TRACE(n);
    EXPECT_DOUBLE_EQ(busbw_factor(CollectiveOp::kAllReduce, n), 2.0 * (n - 1) / n);
    EXPECT_DOUBLE_EQ(busbw_factor(CollectiveOp::kAllGather, n), double(n - 1) / n);
    EXPECT_DOUBLE_EQ(busbw_factor(CollectiveOp::kReduceScatter, n), double(n - 1) / n);
    EXPECT_DOUBLE_EQ(busbw_factor(CollectiveOp::kAllToAll, n), double(n - 1) / n);
    EXPECT_DOUBLE_EQ(busbw_factor(CollectiveOp::kBroadcast, n), 1.0);
    EXPECT_DOUBLE_EQ(busbw_factor(CollectiveOp::kSendRecv, n), 1.0);
    EXPECT_DOUBLE_EQ(busbw_factor(CollectiveOp::kPingPong, n), 1.0);
  }
  EXPECT_DOUBLE_EQ(busbw_factor(CollectiveOp::kAllReduce, 8), 1.75);  // nccl-tests' 8-GPU table
  EXPECT_THROW(busbw_factor(CollectiveOp::kAllReduce, 0), std::invalid_argument);
}

TEST(ElementCounts, AllReduceSizeIsEachRanksBuffer) {
  for (int n = 1; n <= 16; ++n) {
    const auto c = element_counts(CollectiveOp::kAllReduce, 1 << 20, n, 4);
    EXPECT_EQ(c.send_count, 262144u);
    EXPECT_EQ(c.recv_count, 262144u);
    EXPECT_EQ(c.size_bytes, 1u << 20);
  }
}

TEST(ElementCounts, GatherScatterAndAllToAllSplitSizeIntoRankBlocks) {
  for (int n = 1; n <= 16; ++n) {
    SCOPED_TRACE(n);
    const std::uint64_t per = (1u << 20) / (4u * n);
    const auto ag = element_counts(CollectiveOp::kAllGather, 1 << 20, n, 4);
    EXPECT_EQ(ag.send_count, per);
    EXPECT_EQ(ag.recv_count, per * n);
    EXPECT_EQ(ag.size_bytes, per * n * 4);
    const auto rs = element_counts(CollectiveOp::kReduceScatter, 1 << 20, n, 4);
    EXPECT_EQ(rs.send_count, per * n);
    EXPECT_EQ(rs.recv_count, per);
    EXPECT_EQ(rs.size_bytes, per * n * 4);
    const auto a2a = element_counts(CollectiveOp::kAllToAll, 1 << 20, n, 4);
    EXPECT_EQ(a2a.send_count, per * n);
    EXPECT_EQ(a2a.recv_count, per * n);
  }
}

TEST(ElementCounts, RoundsDownLikeNcclTests) {
  // 100 B of float32 on 3 ranks: 8 elements per rank block, 96 B in all.
  const auto ag = element_counts(CollectiveOp::kAllGather, 100, 3, 4);
  EXPECT_EQ(ag.send_count, 8u);
  EXPECT_EQ(ag.size_bytes, 96u);
  // 8 B of float32 on 4 ranks cannot be split: 0 elements.
  EXPECT_EQ(element_counts(CollectiveOp::kReduceScatter, 8, 4, 4).size_bytes, 0u);
  // bf16: 2-byte elements.
  EXPECT_EQ(element_counts(CollectiveOp::kBroadcast, 9, 1, 2).send_count, 4u);
}

TEST(Algbw, IsSizeOverTimeInGBps) {
  EXPECT_DOUBLE_EQ(algbw_GBps(1'000'000'000, 1e6), 1.0);  // 1 GB in 1 s
  EXPECT_DOUBLE_EQ(algbw_GBps(4 << 20, 743.2275), (4 << 20) / 743.2275e3);
  EXPECT_DOUBLE_EQ(algbw_GBps(8, 0.0), 0.0);
}

TEST(OpNames, RoundTripAndAcceptNcclTestsSpellings) {
  for (CollectiveOp op : all_collective_ops()) EXPECT_EQ(parse_op(op_name(op)), op);
  EXPECT_EQ(parse_op("allreduce"), CollectiveOp::kAllReduce);
  EXPECT_EQ(parse_op("sendrecv"), CollectiveOp::kSendRecv);
  EXPECT_EQ(parse_op("alltoall"), CollectiveOp::kAllToAll);
  EXPECT_FALSE(parse_op("all-reduce"));
  EXPECT_FALSE(parse_op(""));
  EXPECT_EQ(all_collective_ops().size(), 7u);
}

}  // namespace
}  // namespace meshbench

namespace meshbench {
namespace {

// The op table is the one source: each row is its op's, names round-trip, and the counts and
// busbw factors the functions derive from a row agree with nccl-tests' per-op definitions
// (doc/PERFORMANCE.md), written out here op by op.
TEST(OpTable, EveryRowAgreesWithTheNcclTestsDefinitions) {
  ASSERT_EQ(all_collective_ops().size(), 7u);
  for (CollectiveOp op : all_collective_ops()) {
    const OpTraits& t = op_traits(op);
    EXPECT_EQ(t.op, op);
    EXPECT_EQ(parse_op(t.name), op);
    EXPECT_EQ(parse_op(t.nccl_tests_name), op);
    const int n = 4;
    // 4 x 4 x 10 + 3 bytes: whole ops keep 160 B; block ops round to a multiple of n elements.
    // nccl-tests per op: {send elements, receive elements, busbw factor on 4 ranks}.
    struct Expected {
      std::size_t send, recv;
      double busbw;
    };
    const Expected want = op == CollectiveOp::kAllGather       ? Expected{10, 40, 0.75}
                          : op == CollectiveOp::kReduceScatter ? Expected{40, 10, 0.75}
                          : op == CollectiveOp::kAllToAll      ? Expected{40, 40, 0.75}
                          : op == CollectiveOp::kAllReduce     ? Expected{40, 40, 1.5}
                                                               : Expected{40, 40, 1.0};
    const ElementCounts c = element_counts(op, 163, n, 4);
    EXPECT_EQ(c.send_count, want.send) << op_name(op);
    EXPECT_EQ(c.recv_count, want.recv) << op_name(op);
    EXPECT_DOUBLE_EQ(busbw_factor(op, n), want.busbw) << op_name(op);
    EXPECT_EQ(c.size_bytes, 160u) << op_name(op);
    EXPECT_EQ(splits_into_blocks(op), op == CollectiveOp::kAllGather ||
                                          op == CollectiveOp::kReduceScatter ||
                                          op == CollectiveOp::kAllToAll);
    EXPECT_EQ(t.point_to_point, op == CollectiveOp::kSendRecv || op == CollectiveOp::kPingPong);
    EXPECT_EQ(t.reduction, op == CollectiveOp::kAllReduce || op == CollectiveOp::kReduceScatter);
  }
  EXPECT_FALSE(parse_op("allreduz").has_value());
}

}  // namespace
}  // namespace meshbench
