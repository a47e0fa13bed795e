#pragma once
// The narrow interface every backend (MPI now, NCCL later) implements. Benchmarks and patterns
// talk only to this; backend headers (mpi.h, nccl.h, cuda_runtime.h) stay in bench/backends/.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

#include "bench/datatype.hpp"

namespace meshbench {

/// How a rank waits for a communication call to complete.
enum class WaitMode {
  kSpin,   ///< the library's own blocking call (busy-polls; lowest latency with a core per rank)
  kYield,  ///< non-blocking call, then test + sched_yield until done (needed when ranks > cores)
};

/// "spin" / "yield".
std::string wait_mode_name(WaitMode mode);

/// Reduction operators. Benchmarks use kSum; the harness uses kMax/kSum on timings and counts.
enum class ReduceOp { kSum, kMax };

/// A call that did not complete within the communicator's timeout (set_timeout).
class CollectiveTimeout : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Executor;  // bench/executor.hpp

/// A group of ranks that can run collectives together. Buffers are host or device memory as
/// the backend requires (make_executor allocates the right kind); counts are in elements of
/// `dtype`. Host backends (MPI) complete every call before it returns; stream backends (NCCL)
/// enqueue it on their stream, and synchronize() waits for it. Failures throw the backend's
/// error type (MpiError, NcclError), both std::runtime_error.
class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;

  /// recv[i] = op over ranks of send[i], i < count, on every rank.
  virtual void all_reduce(const void* send, void* recv, std::size_t count, Datatype dtype,
                          ReduceOp op) = 0;
  /// recv[r * send_count + i] = send_r[i]: recv holds size() * send_count elements.
  virtual void all_gather(const void* send, void* recv, std::size_t send_count,
                          Datatype dtype) = 0;
  /// recv[i] = sum over ranks r of send_r[rank() * recv_count + i]: send holds
  /// size() * recv_count elements.
  virtual void reduce_scatter(const void* send, void* recv, std::size_t recv_count,
                              Datatype dtype) = 0;
  /// recv[r * count_per_peer + i] = send_r[rank() * count_per_peer + i].
  virtual void all_to_all(const void* send, void* recv, std::size_t count_per_peer,
                          Datatype dtype) = 0;
  /// buffer of `root` is copied into buffer of every other rank (in place, as MPI_Bcast).
  virtual void broadcast(void* buffer, std::size_t count, Datatype dtype, int root) = 0;
  /// Sends `send` to `dest` while receiving `recv` from `source` (either may be the caller).
  virtual void send_recv(const void* send, int dest, void* recv, int source, std::size_t count,
                         Datatype dtype) = 0;
  virtual void send(const void* buffer, std::size_t count, Datatype dtype, int dest) = 0;
  virtual void recv(void* buffer, std::size_t count, Datatype dtype, int source) = 0;
  virtual void barrier() = 0;

  /// Ranks with the same color form a new communicator, ordered by key (MPI_Comm_split).
  virtual std::unique_ptr<Communicator> split(int color, int key) = 0;

  /// The largest element count one call accepts (MPI's counts are int; NCCL's size_t).
  virtual std::size_t max_call_count() const { return SIZE_MAX; }

  /// Wall-clock seconds from a monotonic clock (for timing iterations).
  virtual double wtime() const = 0;

  /// Waits for every call issued so far (a no-op on host backends). Errors of enqueued calls
  /// and timeouts surface here on stream backends.
  virtual void synchronize() {}

  /// Allocation, timing and verification for buffers this communicator can use (host memory
  /// and the wall clock unless the backend overrides it). Defined in bench/host_executor.cpp.
  virtual std::unique_ptr<Executor> make_executor();

  /// From now on, a call that waits longer than `seconds` throws CollectiveTimeout instead of
  /// hanging (0: wait forever). Only a communicator that waits by polling (WaitMode::kYield,
  /// or a stream backend's synchronize) can keep it; others ignore it.
  virtual void set_timeout(double seconds) = 0;
};

}  // namespace meshbench
