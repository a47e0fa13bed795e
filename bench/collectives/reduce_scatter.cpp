#include "bench/collectives/collective_test.hpp"

namespace meshbench {
namespace {

/// recv[i] = sum over ranks r of send_r[rank * c + i], c = per-rank output count.
class ReduceScatterTest final : public CollectiveTest {
 public:
  CollectiveOp op() const override { return CollectiveOp::kReduceScatter; }
  void run(Communicator& comm, const PointContext& ctx, Buffers& b) const override {
    comm.reduce_scatter(b.send.data(), b.recv.data(), ctx.counts.recv_count, ctx.dtype);
  }
  std::int64_t expected(const PointContext& ctx, std::size_t i) const override {
    const std::uint64_t index = static_cast<std::uint64_t>(ctx.rank) * ctx.counts.recv_count + i;
    std::int64_t sum = 0;
    for (int r = 0; r < ctx.nranks; ++r) sum += value(ctx, r, index);
    return sum;
  }
};

}  // namespace

const CollectiveTest& reduce_scatter_test() {
  static const ReduceScatterTest test;
  return test;
}

}  // namespace meshbench
