#pragma once

#include <cuda_runtime.h>
#include <nccl.h>

#include <memory>

#include "bench/communicator.hpp"

namespace meshbench {

/// Communicator over a nonblocking NCCL communicator, with its own CUDA stream on `device`.
/// Buffers are device memory (make_executor allocates them). Calls enqueue on the stream and
/// return; synchronize() waits for them. While waiting (for a call that NCCL reports
/// ncclInProgress, for communicator creation, or in synchronize) it polls
/// ncclCommGetAsyncError, so a failed peer surfaces as an NcclError instead of a hang, and the
/// timeout (set_timeout) aborts the communicator (ncclCommAbort) and throws CollectiveTimeout.
class NcclCommunicator final : public Communicator {
 public:
  /// Takes ownership of `comm` (created nonblocking; waits until it is ready).
  NcclCommunicator(ncclComm_t comm, int device, double timeout_s);
  ~NcclCommunicator() override;
  NcclCommunicator(const NcclCommunicator&) = delete;
  NcclCommunicator& operator=(const NcclCommunicator&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  int device() const { return device_; }
  cudaStream_t stream() const { return stream_; }

  void all_reduce(const void* send, void* recv, std::size_t count, Datatype dtype,
                  ReduceOp op) override;
  void all_gather(const void* send, void* recv, std::size_t send_count, Datatype dtype) override;
  void reduce_scatter(const void* send, void* recv, std::size_t recv_count,
                      Datatype dtype) override;
  /// Grouped ncclSend/ncclRecv to and from every peer, as nccl-tests' alltoall.
  void all_to_all(const void* send, void* recv, std::size_t count_per_peer,
                  Datatype dtype) override;
  void broadcast(void* buffer, std::size_t count, Datatype dtype, int root) override;
  void send_recv(const void* send, int dest, void* recv, int source, std::size_t count,
                 Datatype dtype) override;
  void send(const void* buffer, std::size_t count, Datatype dtype, int dest) override;
  void recv(void* buffer, std::size_t count, Datatype dtype, int source) override;
  /// A one-element all-reduce, synchronized (NCCL has no barrier).
  void barrier() override;
  /// ncclCommSplit (collective over this communicator), same device and timeout.
  std::unique_ptr<Communicator> split(int color, int key) override;
  double wtime() const override;
  void set_timeout(double seconds) override { timeout_s_ = seconds; }
  void synchronize() override;
  /// Device buffers, CUDA-event timing, CUDA-graph launches, verification on the device.
  std::unique_ptr<Executor> make_executor() override;

 private:
  /// Handles the result of an enqueueing NCCL call: ncclInProgress waits until the
  /// communicator is ready again; any other failure throws.
  void check(ncclResult_t result, const char* call);
  /// Polls ncclCommGetAsyncError until ncclSuccess (throws on error or timeout).
  void wait_ready(const char* what);
  [[noreturn]] void fail(ncclResult_t result, const char* what);

  ncclComm_t comm_ = nullptr;
  int device_ = 0;
  double timeout_s_ = 0;
  cudaStream_t stream_ = nullptr;
  void* scratch_ = nullptr;  ///< one float, for barrier()
  int rank_ = 0;
  int size_ = 1;
  bool aborted_ = false;
};

}  // namespace meshbench
