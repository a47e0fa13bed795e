#pragma once
// Where a point's buffers live and how its calls are timed, per backend: host memory and the
// wall clock for MPI (HostExecutor), device memory and CUDA events for NCCL
// (bench/backends/nccl/cuda_executor.hpp). The sweep driver only talks to this interface.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "bench/expected_values.hpp"
#include "bench/launch_plan.hpp"
#include "bench/point.hpp"

namespace meshbench {

/// Times one sample of a point's calls (see LaunchPlan).
class CallTimer {
 public:
  virtual ~CallTimer() = default;
  /// Runs plan.calls_per_sample calls and returns the seconds of one call (their mean).
  /// Throws what the calls throw (BackendError, CollectiveTimeout).
  virtual double sample_seconds() = 0;
};

class Executor {
 public:
  virtual ~Executor() = default;

  /// Allocates `layout.total_bytes` in this executor's memory, points send and recv at the
  /// layout's offsets and fills them (see fill). Throws std::runtime_error when the memory cannot
  /// be allocated.
  Buffers allocate(const BufferLayout& layout, const PointContext& ctx);

  /// Sets the output (layout.recv_bytes at buffers.recv) to NaN, then the input
  /// (layout.send_bytes at buffers.send) to ctx.rank's verification data (bench/verify.hpp), in
  /// that order so an in-place input survives.
  virtual void fill(Buffers& buffers, const BufferLayout& layout, const PointContext& ctx) = 0;

  /// A timer for `call`, which issues one call of the point (on a stream backend it only
  /// enqueues it). `call` must outlive the timer.
  virtual std::unique_ptr<CallTimer> timer(std::function<void()> call, const LaunchPlan& plan) = 0;

  /// Elements i < count of buffers.recv that differ from expected_value(form, i). Waits for
  /// the calls issued before it.
  virtual std::uint64_t count_wrong(const Buffers& buffers, Datatype dtype, std::size_t count,
                                    const ExpectedForm& form) = 0;

  /// Adds 1 to recv element `index`: the test-only fault injection (--debug-corrupt-rank).
  virtual void corrupt(Buffers& buffers, Datatype dtype, std::size_t index) = 0;

 protected:
  /// `bytes` of this executor's memory, freed when the last owner lets go.
  virtual std::shared_ptr<void> allocate_bytes(std::size_t bytes) = 0;
};

/// The executor of host-memory backends (MPI): std::vector-like host buffers, the monotonic
/// wall clock (`clock`, seconds) around each sample, verification on the CPU.
std::unique_ptr<Executor> make_host_executor(std::function<double()> clock);

}  // namespace meshbench
