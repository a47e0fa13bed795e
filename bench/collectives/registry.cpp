#include <algorithm>
#include <stdexcept>

#include "bench/collectives/collective_test.hpp"

namespace meshbench {

BufferLayout CollectiveTest::buffer_layout(const PointContext& ctx) const {
  const std::size_t e = element_bytes(ctx.dtype);
  const std::size_t send = ctx.counts.send_count * e;
  const std::size_t recv = ctx.counts.recv_count * e;
  if (ctx.in_place) return {std::max(send, recv), 0, send, 0, recv};
  // 256-byte alignment: what cudaMalloc guarantees and vectorised kernels expect.
  const std::size_t recv_at = (send + 255) / 256 * 256;
  return {recv_at + recv, 0, send, recv_at, recv};
}

std::int64_t CollectiveTest::expected(const PointContext& ctx, std::size_t index) const {
  return expected_value(expected_form(ctx), index);
}

ExpectedForm CollectiveTest::base_form(const PointContext& ctx) {
  ExpectedForm f;
  f.seed = ctx.seed;
  f.magnitude = ctx.magnitude;
  f.nranks = ctx.nranks;
  return f;
}

const CollectiveTest& collective_test(CollectiveOp op) {
  switch (op) {
    case CollectiveOp::kAllReduce: return all_reduce_test();
    case CollectiveOp::kAllGather: return all_gather_test();
    case CollectiveOp::kReduceScatter: return reduce_scatter_test();
    case CollectiveOp::kAllToAll: return all_to_all_test();
    case CollectiveOp::kBroadcast: return broadcast_test();
    case CollectiveOp::kSendRecv: return send_recv_test();
    case CollectiveOp::kPingPong: return ping_pong_test();
  }
  throw std::logic_error("collective_test: unknown op");
}

}  // namespace meshbench
