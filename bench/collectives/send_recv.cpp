#include "bench/collectives/collective_test.hpp"

namespace meshbench {
namespace {

/// Ring exchange as nccl-tests' sendrecv: every rank sends to rank+1 and receives from rank-1,
/// all at once, so each link of the ring carries one message in each step.
class SendRecvTest final : public CollectiveTest {
 public:
  CollectiveOp op() const override { return CollectiveOp::kSendRecv; }
  void run(Communicator& comm, const PointContext& ctx, Buffers& b) const override {
    comm.send_recv(b.send.data(), next(ctx), b.recv.data(), prev(ctx), ctx.counts.send_count,
                   ctx.dtype);
  }
  std::int64_t expected(const PointContext& ctx, std::size_t i) const override {
    return value(ctx, prev(ctx), i);
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
