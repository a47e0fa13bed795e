#include "bench/collectives/collective_test.hpp"

namespace meshbench {
namespace {

/// recv[r * c + i] = send_r[rank * c + i], c = elements per peer.
class AllToAllTest final : public CollectiveTest {
 public:
  CollectiveOp op() const override { return CollectiveOp::kAllToAll; }
  void run(Communicator& comm, const PointContext& ctx, Buffers& b) const override {
    comm.all_to_all(b.send, b.recv, per_peer(ctx), ctx.dtype);
  }
  /// NCCL's all-to-all is grouped point-to-point calls, which must not alias their buffers.
  bool has_in_place() const override { return false; }
  ExpectedForm expected_form(const PointContext& ctx) const override {
    ExpectedForm f = base_form(ctx);
    f.block = per_peer(ctx);
    f.offset = static_cast<std::uint64_t>(ctx.rank) * per_peer(ctx);
    return f;
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
