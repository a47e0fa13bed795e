// The GPU backend's logic that needs no GPU: device selection, CUDA-graph bookkeeping, buffer
// layouts (in-place aliasing as nccl.h defines it) and the closed-form expected values that the
// device checker evaluates.

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "bench/collectives/collective_test.hpp"
#include "bench/executor.hpp"
#include "bench/gpu.hpp"
#include "bench/launch_plan.hpp"
#include "bench/sweep_config.hpp"
#include "bench/verify.hpp"

namespace meshbench {
namespace {

TEST(SelectDevice, LocalRankPicksTheDevice) {
  EXPECT_EQ(select_device(0, 8, 8), 0);
  EXPECT_EQ(select_device(7, 8, 8), 7);
  EXPECT_EQ(select_device(2, 4, 8), 2);  // fewer ranks than GPUs: the first ones
}

TEST(SelectDevice, RefusesNoGpuAndSharedGpus) {
  EXPECT_THROW(select_device(0, 1, 0), NoGpuError);
  try {
    select_device(1, 2, 1);
    FAIL() << "two ranks on one GPU accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("2 ranks on this node but 1 visible GPU"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(select_device(4, 4, 8), std::invalid_argument);
  EXPECT_THROW(select_device(-1, 4, 8), std::invalid_argument);
}

TEST(LaunchPlan, GraphFlag) {
  EXPECT_FALSE(launch_plan_for_graph_flag(0).graph);
  EXPECT_EQ(launch_plan_for_graph_flag(0).calls_per_sample, 1);
  EXPECT_TRUE(launch_plan_for_graph_flag(8).graph);
  EXPECT_EQ(launch_plan_for_graph_flag(8).calls_per_sample, 8);
  EXPECT_EQ(launch_name(launch_plan_for_graph_flag(8)), "graph:8");
  EXPECT_EQ(launch_name(launch_plan_for_graph_flag(0)), "eager");
  EXPECT_THROW(launch_plan_for_graph_flag(-1), UsageError);
  EXPECT_THROW(launch_plan_for_graph_flag(1025), UsageError);
}

/// Records what StreamTimer asks of the stream; each timed region lasts `elapsed_s`.
class FakeStreamOps final : public StreamOps {
 public:
  std::vector<std::string> log;
  bool capturing = false;
  int captured_calls = 0, executed_calls = 0;
  double elapsed_s = 0.008;
  void record_start() override { log.push_back("start"); }
  void record_stop() override { log.push_back("stop"); }
  double wait_elapsed_seconds() override { return elapsed_s; }
  void begin_capture() override { capturing = true; log.push_back("begin_capture"); }
  void end_capture() override { capturing = false; log.push_back("end_capture"); }
  void launch_graph() override {
    executed_calls += captured_calls;
    log.push_back("launch");
  }
  void call() {
    (capturing ? captured_calls : executed_calls) += 1;
    log.push_back("call");
  }
};

TEST(StreamTimer, EagerTimesEachCall) {
  FakeStreamOps ops;
  StreamTimer timer(ops, [&] { ops.call(); }, launch_plan_for_graph_flag(0));
  for (int i = 0; i < 3; ++i) EXPECT_DOUBLE_EQ(timer.sample_seconds(), 0.008);
  EXPECT_EQ(timer.captures(), 0);
  EXPECT_EQ(ops.executed_calls, 3);
  EXPECT_EQ(ops.log, (std::vector<std::string>{"start", "call", "stop", "start", "call", "stop",
                                               "start", "call", "stop"}));
}

TEST(StreamTimer, GraphCapturesOnceOutsideTheTimedRegionAndDividesByItsCalls) {
  FakeStreamOps ops;
  StreamTimer timer(ops, [&] { ops.call(); }, launch_plan_for_graph_flag(4));
  EXPECT_DOUBLE_EQ(timer.sample_seconds(), 0.002);  // 8 ms for 4 calls
  EXPECT_DOUBLE_EQ(timer.sample_seconds(), 0.002);
  EXPECT_EQ(timer.captures(), 1);
  EXPECT_EQ(ops.captured_calls, 4);
  EXPECT_EQ(ops.executed_calls, 8);  // two replays of the 4 captured calls
  EXPECT_EQ(ops.log, (std::vector<std::string>{"begin_capture", "call", "call", "call", "call",
                                               "end_capture", "start", "launch", "stop",
                                               "start", "launch", "stop"}));
}

PointContext context(CollectiveOp op, int rank, int nranks, bool in_place) {
  return {rank, nranks, Datatype::kFloat32, element_counts(op, 1024, nranks, 4), 5,
          verification_magnitude(Datatype::kFloat32, nranks), in_place};
}

TEST(BufferLayout, InPlaceAliasesAsNcclDefinesIt) {
  // all_gather: the input is the rank's block of the output.
  const auto ag = context(CollectiveOp::kAllGather, 2, 4, true);
  const BufferLayout g = all_gather_test().buffer_layout(ag);
  EXPECT_EQ(g.total_bytes, 1024u);
  EXPECT_EQ(g.recv_offset, 0u);
  EXPECT_EQ(g.send_offset, 2u * 256);
  EXPECT_EQ(g.send_bytes, 256u);
  // reduce_scatter: the output is the rank's block of the input.
  const auto rs = context(CollectiveOp::kReduceScatter, 3, 4, true);
  const BufferLayout r = reduce_scatter_test().buffer_layout(rs);
  EXPECT_EQ(r.total_bytes, 1024u);
  EXPECT_EQ(r.send_offset, 0u);
  EXPECT_EQ(r.recv_offset, 3u * 256);
  EXPECT_EQ(r.recv_bytes, 256u);
  // all_reduce: one buffer.
  const BufferLayout a = all_reduce_test().buffer_layout(context(CollectiveOp::kAllReduce, 0, 4, true));
  EXPECT_EQ(a.send_offset, a.recv_offset);
  EXPECT_EQ(a.total_bytes, 1024u);
  // Out of place: disjoint, the output 256-byte aligned.
  const BufferLayout o = all_gather_test().buffer_layout(context(CollectiveOp::kAllGather, 1, 3, false));
  EXPECT_GE(o.recv_offset, o.send_offset + o.send_bytes);
  EXPECT_EQ(o.recv_offset % 256, 0u);
  // Broadcast: only the root has an input, in its output buffer.
  EXPECT_GT(broadcast_test().buffer_layout(context(CollectiveOp::kBroadcast, 0, 2, false)).send_bytes, 0u);
  EXPECT_EQ(broadcast_test().buffer_layout(context(CollectiveOp::kBroadcast, 1, 2, false)).send_bytes, 0u);
  EXPECT_FALSE(all_to_all_test().has_in_place());
  EXPECT_FALSE(send_recv_test().has_in_place());
}

std::int64_t v(const PointContext& c, int rank, std::uint64_t i) {
  return verification_value(c.seed, rank, i, c.magnitude);
}

TEST(ExpectedForm, MatchesEachOpsDefinition) {
  const int n = 4, me = 2;
  for (std::size_t i = 0; i < 64; ++i) {
    const auto ar = context(CollectiveOp::kAllReduce, me, n, false);
    EXPECT_EQ(all_reduce_test().expected(ar, i), v(ar, 0, i) + v(ar, 1, i) + v(ar, 2, i) + v(ar, 3, i));
    const auto ag = context(CollectiveOp::kAllGather, me, n, false);
    const std::size_t c = ag.counts.send_count;
    EXPECT_EQ(all_gather_test().expected(ag, i), v(ag, static_cast<int>(i / c), i % c));
    const auto rs = context(CollectiveOp::kReduceScatter, me, n, false);
    const std::uint64_t at = me * rs.counts.recv_count + i % rs.counts.recv_count;
    std::int64_t sum = 0;
    for (int r = 0; r < n; ++r) sum += v(rs, r, at);
    EXPECT_EQ(reduce_scatter_test().expected(rs, i % rs.counts.recv_count), sum);
    const auto aa = context(CollectiveOp::kAllToAll, me, n, false);
    const std::size_t p = aa.counts.send_count / n;
    EXPECT_EQ(all_to_all_test().expected(aa, i), v(aa, static_cast<int>(i / p), me * p + i % p));
    const auto sr = context(CollectiveOp::kSendRecv, me, n, false);
    EXPECT_EQ(send_recv_test().expected(sr, i), v(sr, me - 1, i));
    const auto bc = context(CollectiveOp::kBroadcast, me, n, false);
    EXPECT_EQ(broadcast_test().expected(bc, i), v(bc, 0, i));
  }
}

TEST(HostExecutor, InPlaceFillKeepsTheInputInsideTheOutput) {
  // An in-place all_gather on rank 1 of 3: after fill only this rank's block holds data; once
  // the other blocks arrive, nothing is wrong - and without them, exactly those are.
  const auto ctx = context(CollectiveOp::kAllGather, 1, 3, true);
  const BufferLayout layout = all_gather_test().buffer_layout(ctx);
  auto exec = make_host_executor([] { return 0.0; });
  Buffers b = exec->allocate(layout, ctx);
  const ExpectedForm form = all_gather_test().expected_form(ctx);
  const std::size_t n = ctx.counts.recv_count, block = ctx.counts.send_count;
  EXPECT_EQ(exec->count_wrong(b, ctx.dtype, n, form), n - block);
  auto* out = static_cast<float*>(b.recv);
  for (std::size_t i = 0; i < n; ++i) {
    if (i / block != 1) out[i] = static_cast<float>(expected_value(form, i));
  }
  EXPECT_EQ(exec->count_wrong(b, ctx.dtype, n, form), 0u);
  exec->corrupt(b, ctx.dtype, 5);
  EXPECT_EQ(exec->count_wrong(b, ctx.dtype, n, form), 1u);
}

}  // namespace
}  // namespace meshbench
