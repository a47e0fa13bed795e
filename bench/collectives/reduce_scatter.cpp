#include "bench/collectives/collective_test.hpp"

namespace meshbench {
namespace {

/// recv[i] = sum over ranks r of send_r[rank * c + i], c = per-rank output count.
class ReduceScatterTest final : public CollectiveTest {
 public:
  CollectiveOp op() const override { return CollectiveOp::kReduceScatter; }
  void run(Communicator& comm, const PointContext& ctx, Buffers& b) const override {
    comm.reduce_scatter(b.send, b.recv, ctx.counts.recv_count, ctx.dtype);
  }
  /// In place, the output is this rank's block of the input (nccl.h).
  BufferLayout buffer_layout(const PointContext& ctx) const override {
    if (!ctx.in_place) return CollectiveTest::buffer_layout(ctx);
    const std::size_t e = element_bytes(ctx.dtype);
    const std::size_t block = ctx.counts.recv_count * e;
    return {ctx.counts.send_count * e, 0, ctx.counts.send_count * e,
            static_cast<std::size_t>(ctx.rank) * block, block};
  }
  ExpectedForm expected_form(const PointContext& ctx) const override {
    ExpectedForm f = base_form(ctx);
    f.sum_over_ranks = true;
    f.offset = static_cast<std::uint64_t>(ctx.rank) * ctx.counts.recv_count;
    return f;
  }
};

}  // namespace

const CollectiveTest& reduce_scatter_test() {
  static const ReduceScatterTest test;
  return test;
}

}  // namespace meshbench
