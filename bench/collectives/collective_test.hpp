#pragma once
// One descriptor per measured op (the nccl-tests `struct testColl` idea): how to fill its
// inputs, run one call, and what each output element must be. One driver (bench/sweep.cpp)
// runs them all; byte accounting and busbw factors come from patterns/collective.hpp.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "bench/communicator.hpp"
#include "patterns/collective.hpp"

namespace meshbench {

/// What one rank knows about one (op, size, dtype) point.
struct PointContext {
  int rank = 0;
  int nranks = 1;
  Datatype dtype = Datatype::kFloat32;
  ElementCounts counts;     ///< per-rank element counts (patterns::element_counts)
  std::uint64_t seed = 0;   ///< verification seed
  int magnitude = 1;        ///< verification value range (bench/verify.hpp)
};

/// Host buffers of one rank, sized from PointContext::counts.
struct Buffers {
  std::vector<std::byte> send;
  std::vector<std::byte> recv;
};

class CollectiveTest {
 public:
  virtual ~CollectiveTest() = default;
  virtual CollectiveOp op() const = 0;

  /// Allocates and fills this rank's buffers: inputs with verification data, outputs with NaN.
  virtual void init(const PointContext& ctx, Buffers& buffers) const;

  /// One call of the op, as timed.
  virtual void run(Communicator& comm, const PointContext& ctx, Buffers& buffers) const = 0;

  /// Elements of buffers.recv that this rank checks (0 where it receives nothing).
  virtual std::size_t checked_count(const PointContext& ctx) const { return ctx.counts.recv_count; }

  /// Exact expected value of recv[index] on ctx.rank.
  virtual std::int64_t expected(const PointContext& ctx, std::size_t index) const = 0;

  /// Seconds this rank reports for one call that took `elapsed_s` on it; the harness takes the
  /// max over ranks. Ops whose time is one rank's (ping_pong) override it.
  virtual double reported_seconds(const PointContext& /*ctx*/, double elapsed_s) const {
    return elapsed_s;
  }

 protected:
  /// verification_value of (rank, index) with ctx's seed and magnitude.
  static std::int64_t value(const PointContext& ctx, int rank, std::uint64_t index);
};

/// The descriptor of `op` (every CollectiveOp has one).
const CollectiveTest& collective_test(CollectiveOp op);

// One factory per file in bench/collectives/.
const CollectiveTest& all_reduce_test();
const CollectiveTest& all_gather_test();
const CollectiveTest& reduce_scatter_test();
const CollectiveTest& all_to_all_test();
const CollectiveTest& broadcast_test();
const CollectiveTest& send_recv_test();
const CollectiveTest& ping_pong_test();

}  // namespace meshbench
