#include "bench/collectives/collective_test.hpp"

namespace meshbench {
namespace {

/// Ring exchange as nccl-tests' sendrecv: every rank sends to rank+1 and receives from rank-1,
/// all at once, so each link of the ring carries one message in each step.
class SendRecvTest final : public CollectiveTest {
 public:
  CollectiveOp op() const override { return CollectiveOp::kSendRecv; }
  void run(Communicator& comm, const PointContext& ctx, Buffers& b) const override {
    comm.send_recv(b.send, next(ctx), b.recv, prev(ctx), ctx.counts.send_count, ctx.dtype);
  }
  bool has_in_place() const override { return false; }
  ExpectedForm expected_form(const PointContext& ctx) const override {
    ExpectedForm f = base_form(ctx);
    f.source_rank = prev(ctx);
    return f;
  }

 private:
  static int next(const PointContext& ctx) { return (ctx.rank + 1) % ctx.nranks; }
  static int prev(const PointContext& ctx) { return (ctx.rank + ctx.nranks - 1) % ctx.nranks; }
};

}  // namespace

const CollectiveTest& send_recv_test() {
  static const SendRecvTest test;
  return test;
}

}  // namespace meshbench
