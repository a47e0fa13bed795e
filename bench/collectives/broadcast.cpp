#include "bench/collectives/collective_test.hpp"
#include "bench/verify.hpp"

namespace meshbench {
namespace {

constexpr int kRoot = 0;

/// Broadcast from rank 0, in place in the receive buffer: the root's receive buffer holds its
/// data from init on (MPI_Bcast has no out-of-place form), every rank checks it afterwards.
class BroadcastTest final : public CollectiveTest {
 public:
  CollectiveOp op() const override { return CollectiveOp::kBroadcast; }
  void init(const PointContext& ctx, Buffers& b) const override {
    CollectiveTest::init(ctx, b);
    if (ctx.rank == kRoot) {
      fill_verification_data(b.recv.data(), ctx.dtype, ctx.counts.recv_count, ctx.seed, kRoot,
                             ctx.magnitude);
    }
  }
  void run(Communicator& comm, const PointContext& ctx, Buffers& b) const override {
    comm.broadcast(b.recv.data(), ctx.counts.recv_count, ctx.dtype, kRoot);
  }
  std::int64_t expected(const PointContext& ctx, std::size_t i) const override {
    return value(ctx, kRoot, i);
  }
};

}  // namespace

const CollectiveTest& broadcast_test() {
  static const BroadcastTest test;
  return test;
}

}  // namespace meshbench
