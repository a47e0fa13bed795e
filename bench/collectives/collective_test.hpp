#pragma once
// One descriptor per measured op (the nccl-tests `struct testColl` idea): how to fill its
// inputs, run one call, and what each output element must be. One driver (bench/sweep.cpp)
// runs them all; byte accounting and busbw factors come from patterns/collective.hpp.

#include <cstddef>
#include <cstdint>

#include "bench/communicator.hpp"
#include "bench/expected_values.hpp"
#include "bench/point.hpp"
#include "patterns/collective.hpp"

namespace meshbench {

class CollectiveTest {
 public:
  virtual ~CollectiveTest() = default;
  virtual CollectiveOp op() const = 0;

  /// Whether the op has an in-place form (PointContext::in_place).
  virtual bool has_in_place() const { return true; }

  /// Where this rank's input and output lie. Default: out of place, input then output (each
  /// 256-byte aligned); in place, one buffer shared by both.
  virtual BufferLayout buffer_layout(const PointContext& ctx) const;

  /// One call of the op, as timed. On a stream backend it only enqueues the call.
  virtual void run(Communicator& comm, const PointContext& ctx, Buffers& buffers) const = 0;

  /// Elements of buffers.recv that this rank checks (0 where it receives nothing).
  virtual std::size_t checked_count(const PointContext& ctx) const { return ctx.counts.recv_count; }

  /// What recv[i] must hold on ctx.rank, in closed form (checked on the host or the device).
  virtual ExpectedForm expected_form(const PointContext& ctx) const = 0;

  /// Exact expected value of recv[index] on ctx.rank: expected_value(expected_form(ctx), index).
  std::int64_t expected(const PointContext& ctx, std::size_t index) const;

  /// Seconds this rank reports for one call that took `elapsed_s` on it; the harness takes the
  /// max over ranks. Ops whose time is one rank's (ping_pong) override it.
  virtual double reported_seconds(const PointContext& /*ctx*/, double elapsed_s) const {
    return elapsed_s;
  }

  /// The form with ctx's seed, magnitude and rank count filled in (what one rank's input,
  /// arriving whole, looks like: pattern's pipeline check starts from it).
  static ExpectedForm base_form(const PointContext& ctx);
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
