#pragma once
// The narrow interface every backend (MPI now, NCCL later) implements. Benchmarks and patterns
// talk only to this; backend headers (mpi.h, nccl.h, cuda_runtime.h) stay in bench/backends/.

#include <cstddef>
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

/// A group of ranks that can run collectives together. Buffers are host or device memory as
/// the backend requires; counts are in elements of `dtype`. All calls are blocking from the
/// caller's point of view and throw a BackendError (see the backend) on failure.
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

  /// Wall-clock seconds from a monotonic clock (for timing iterations).
  virtual double wtime() const = 0;

  /// From now on, a call that waits longer than `seconds` throws CollectiveTimeout instead of
  /// hanging (0: wait forever). Only a communicator that waits by polling (WaitMode::kYield)
  /// can keep it; others ignore it.
  virtual void set_timeout(double seconds) = 0;
};

}  // namespace meshbench
