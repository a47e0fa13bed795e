#include "bench/collectives/collective_test.hpp"

namespace meshbench {
namespace {

/// Sum all-reduce: recv[i] = sum over ranks r of send_r[i].
class AllReduceTest final : public CollectiveTest {
 public:
  CollectiveOp op() const override { return CollectiveOp::kAllReduce; }
  void run(Communicator& comm, const PointContext& ctx, Buffers& b) const override {
    comm.all_reduce(b.send.data(), b.recv.data(), ctx.counts.send_count, ctx.dtype, ReduceOp::kSum);
  }
  std::int64_t expected(const PointContext& ctx, std::size_t i) const override {
    std::int64_t sum = 0;
    for (int r = 0; r < ctx.nranks; ++r) sum += value(ctx, r, i);
    return sum;
  }
};

}  // namespace

const CollectiveTest& all_reduce_test() {
  static const AllReduceTest test;
  return test;
}

}  // namespace meshbench
