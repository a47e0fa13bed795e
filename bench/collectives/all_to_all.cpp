#include "bench/collectives/collective_test.hpp"

namespace meshbench {
namespace {

/// recv[r * c + i] = send_r[rank * c + i], c = elements per peer.
class AllToAllTest final : public CollectiveTest {
 public:
  CollectiveOp op() const override { return CollectiveOp::kAllToAll; }
  void run(Communicator& comm, const PointContext& ctx, Buffers& b) const override {
    comm.all_to_all(b.send.data(), b.recv.data(), per_peer(ctx), ctx.dtype);
  }
  std::int64_t expected(const PointContext& ctx, std::size_t i) const override {
    const std::size_t c = per_peer(ctx);
    return value(ctx, static_cast<int>(i / c), static_cast<std::uint64_t>(ctx.rank) * c + i % c);
  }

 private:
  static std::size_t per_peer(const PointContext& ctx) {
    return ctx.counts.send_count / static_cast<std::size_t>(ctx.nranks);
  }
};

}  // namespace

const CollectiveTest& all_to_all_test() {
  static const AllToAllTest test;
  return test;
}

}  // namespace meshbench
