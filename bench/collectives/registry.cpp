#include <stdexcept>

#include "bench/collectives/collective_test.hpp"
#include "bench/verify.hpp"

namespace meshbench {

void CollectiveTest::init(const PointContext& ctx, Buffers& buffers) const {
  const std::size_t e = element_bytes(ctx.dtype);
  buffers.send.assign(ctx.counts.send_count * e, std::byte{0});
  buffers.recv.assign(ctx.counts.recv_count * e, std::byte{0});
  fill_verification_data(buffers.send.data(), ctx.dtype, ctx.counts.send_count, ctx.seed, ctx.rank,
                         ctx.magnitude);
  fill_unwritten(buffers.recv.data(), ctx.dtype, ctx.counts.recv_count);
}

std::int64_t CollectiveTest::value(const PointContext& ctx, int rank, std::uint64_t index) {
  return verification_value(ctx.seed, rank, index, ctx.magnitude);
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
