#include "bench/collectives/collective_test.hpp"

namespace meshbench {
namespace {

/// recv[r * c + i] = send_r[i], c = per-rank count.
class AllGatherTest final : public CollectiveTest {
 public:
  CollectiveOp op() const override { return CollectiveOp::kAllGather; }
  void run(Communicator& comm, const PointContext& ctx, Buffers& b) const override {
    comm.all_gather(b.send, b.recv, ctx.counts.send_count, ctx.dtype);
  }
  /// In place, the input is this rank's block of the output (nccl.h).
  BufferLayout buffer_layout(const PointContext& ctx) const override {
    if (!ctx.in_place) return CollectiveTest::buffer_layout(ctx);
    const std::size_t e = element_bytes(ctx.dtype);
    const std::size_t block = ctx.counts.send_count * e;
    return {ctx.counts.recv_count * e, static_cast<std::size_t>(ctx.rank) * block, block, 0,
            ctx.counts.recv_count * e};
  }
  ExpectedForm expected_form(const PointContext& ctx) const override {
    ExpectedForm f = base_form(ctx);
    f.block = ctx.counts.send_count;
    return f;
  }
};

}  // namespace

const CollectiveTest& all_gather_test() {
  static const AllGatherTest test;
  return test;
}

}  // namespace meshbench
