#include "bench/collectives/collective_test.hpp"

namespace meshbench {
namespace {

constexpr int kRoot = 0;

/// Broadcast from rank 0, in place in the receive buffer (MPI_Bcast has no out-of-place form):
/// the root's output buffer holds its input from the start, every rank checks it afterwards.
class BroadcastTest final : public CollectiveTest {
 public:
  CollectiveOp op() const override { return CollectiveOp::kBroadcast; }
  BufferLayout buffer_layout(const PointContext& ctx) const override {
    const std::size_t bytes = ctx.counts.recv_count * element_bytes(ctx.dtype);
    return {bytes, 0, ctx.rank == kRoot ? bytes : 0, 0, bytes};
  }
  void run(Communicator& comm, const PointContext& ctx, Buffers& b) const override {
    comm.broadcast(b.recv, ctx.counts.recv_count, ctx.dtype, kRoot);
  }
  ExpectedForm expected_form(const PointContext& ctx) const override {
    ExpectedForm f = base_form(ctx);
    f.source_rank = kRoot;
    return f;
  }
};

}  // namespace

const CollectiveTest& broadcast_test() {
  static const BroadcastTest test;
  return test;
}

}  // namespace meshbench
