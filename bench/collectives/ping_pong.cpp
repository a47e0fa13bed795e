#include "bench/collectives/collective_test.hpp"

namespace meshbench {
namespace {

/// OSU-style latency between ranks 0 and 1: rank 0 sends, rank 1 receives and answers with its
/// own message of the same size; the reported time is rank 0's round trip / 2 (one way).
/// Other ranks idle. Each side checks it received the other's data.
class PingPongTest final : public CollectiveTest {
 public:
  CollectiveOp op() const override { return CollectiveOp::kPingPong; }
  void run(Communicator& comm, const PointContext& ctx, Buffers& b) const override {
    const std::size_t n = ctx.counts.send_count;
    if (ctx.rank == 0) {
      comm.send(b.send, n, ctx.dtype, 1);
      comm.recv(b.recv, n, ctx.dtype, 1);
    } else if (ctx.rank == 1) {
      comm.recv(b.recv, n, ctx.dtype, 0);
      comm.send(b.send, n, ctx.dtype, 0);
    }
  }
  std::size_t checked_count(const PointContext& ctx) const override {
    return ctx.rank < 2 ? ctx.counts.recv_count : 0;
  }
  bool has_in_place() const override { return false; }
  ExpectedForm expected_form(const PointContext& ctx) const override {
    ExpectedForm f = base_form(ctx);
    f.source_rank = 1 - ctx.rank;
    return f;
  }
  double reported_seconds(const PointContext& ctx, double elapsed_s) const override {
    return ctx.rank == 0 ? elapsed_s / 2.0 : 0.0;
  }
};

}  // namespace

const CollectiveTest& ping_pong_test() {
  static const PingPongTest test;
  return test;
}

}  // namespace meshbench
