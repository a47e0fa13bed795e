#include "bench/collectives/collective_test.hpp"

namespace meshbench {
namespace {

/// recv[r * c + i] = send_r[i], c = per-rank count.
class AllGatherTest final : public CollectiveTest {
 public:
  CollectiveOp op() const override { return CollectiveOp::kAllGather; }
  void run(Communicator& comm, const PointContext& ctx, Buffers& b) const override {
    comm.all_gather(b.send.data(), b.recv.data(), ctx.counts.send_count, ctx.dtype);
  }
  std::int64_t expected(const PointContext& ctx, std::size_t i) const override {
    const std::size_t c = ctx.counts.send_count;
    return value(ctx, static_cast<int>(i / c), i % c);
  }
};

}  // namespace

const CollectiveTest& all_gather_test() {
  static const AllGatherTest test;
  return test;
}

}  // namespace meshbench
