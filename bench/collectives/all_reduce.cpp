#include "bench/collectives/collective_test.hpp"

namespace meshbench {
namespace {

/// Sum all-reduce: recv[i] = sum over ranks r of send_r[i].
class AllReduceTest final : public CollectiveTest {
 public:
  CollectiveOp op() const override { return CollectiveOp::kAllReduce; }
  void run(Communicator& comm, const PointContext& ctx, Buffers& b) const override {
    comm.all_reduce(b.send, b.recv, ctx.counts.send_count, ctx.dtype, ReduceOp::kSum);
  }
  ExpectedForm expected_form(const PointContext& ctx) const override {
    ExpectedForm f = base_form(ctx);
    f.sum_over_ranks = true;
    return f;
  }
};

}  // namespace

const CollectiveTest& all_reduce_test() {
  static const AllReduceTest test;
  return test;
}

}  // namespace meshbench
