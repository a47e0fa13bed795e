#include "bench/backends/nccl/nccl_communicator.hpp"

#include <fmt/format.h>
#include <sched.h>

#include <chrono>

#include "bench/backends/nccl/cuda_error.hpp"
#include "bench/backends/nccl/cuda_executor.hpp"

#define MESHBENCH_NCCL_ENQUEUE(call) check((call), #call)

namespace meshbench {
namespace {

ncclDataType_t nccl_type(Datatype dtype) {
  switch (dtype) {
    case Datatype::kFloat32: return ncclFloat32;
    case Datatype::kBfloat16: return ncclBfloat16;
    case Datatype::kFloat64: return ncclFloat64;
    case Datatype::kUint64: return ncclUint64;
  }
  throw std::logic_error("nccl_type: unknown datatype");
}

ncclRedOp_t nccl_op(ReduceOp op) { return op == ReduceOp::kSum ? ncclSum : ncclMax; }

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

NcclCommunicator::NcclCommunicator(ncclComm_t comm, int device, double timeout_s)
    : comm_(comm), device_(device), timeout_s_(timeout_s) {
  MESHBENCH_CUDA_CHECK(cudaSetDevice(device_));
  wait_ready("communicator creation");
  MESHBENCH_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
  MESHBENCH_CUDA_CHECK(cudaMalloc(&scratch_, sizeof(float)));
  check(ncclCommUserRank(comm_, &rank_), "ncclCommUserRank");
  check(ncclCommCount(comm_, &size_), "ncclCommCount");
}

NcclCommunicator::~NcclCommunicator() {
  // No throw from a destructor: errors while tearing down are ignored.
  if (comm_ != nullptr && !aborted_) {
    if (ncclCommFinalize(comm_) == ncclInProgress) {
      ncclResult_t state = ncclInProgress;
      const double deadline = now_s() + (timeout_s_ > 0 ? timeout_s_ : 60.0);
      while (state == ncclInProgress && now_s() < deadline) {
        ncclCommGetAsyncError(comm_, &state);
        sched_yield();
      }
      if (state != ncclSuccess) {
        ncclCommAbort(comm_);
        aborted_ = true;
      }
    }
    if (!aborted_) ncclCommDestroy(comm_);
  }
  if (scratch_ != nullptr) cudaFree(scratch_);
  if (stream_ != nullptr) cudaStreamDestroy(stream_);
}

void NcclCommunicator::fail(ncclResult_t result, const char* what) {
  const std::string last = ncclGetLastError(comm_);
  ncclCommAbort(comm_);  // unblocks kernels waiting for a peer; the communicator is unusable
  aborted_ = true;
  throw_nccl_error(result, what, __FILE__, __LINE__, last);
}

void NcclCommunicator::wait_ready(const char* what) {
  const double deadline = timeout_s_ > 0 ? now_s() + timeout_s_ : 0;
  for (;;) {
    ncclResult_t state = ncclSuccess;
    const ncclResult_t r = ncclCommGetAsyncError(comm_, &state);
    if (r != ncclSuccess) fail(r, "ncclCommGetAsyncError");
    if (state == ncclSuccess) return;
    if (state != ncclInProgress) fail(state, what);
    if (deadline > 0 && now_s() > deadline) {
      ncclCommAbort(comm_);
      aborted_ = true;
      throw CollectiveTimeout(fmt::format("NCCL {} did not complete within {} s", what, timeout_s_));
    }
    sched_yield();
  }
}

void NcclCommunicator::check(ncclResult_t result, const char* call) {
  if (result == ncclSuccess) return;
  if (result == ncclInProgress) {
    wait_ready(call);
    return;
  }
  fail(result, call);
}

void NcclCommunicator::synchronize() {
  const double deadline = timeout_s_ > 0 ? now_s() + timeout_s_ : 0;
  for (;;) {
    const cudaError_t done = cudaStreamQuery(stream_);
    if (done == cudaSuccess) return;
    if (done != cudaErrorNotReady) throw_cuda_error(done, "cudaStreamQuery", __FILE__, __LINE__);
    // A peer that failed shows up here, not as a stream error: the kernel would wait forever.
    ncclResult_t state = ncclSuccess;
    const ncclResult_t r = ncclCommGetAsyncError(comm_, &state);
    if (r != ncclSuccess) fail(r, "ncclCommGetAsyncError");
    if (state != ncclSuccess && state != ncclInProgress) fail(state, "an enqueued NCCL call");
    if (deadline > 0 && now_s() > deadline) {
      ncclCommAbort(comm_);
      aborted_ = true;
      throw CollectiveTimeout(fmt::format("NCCL calls did not complete within {} s", timeout_s_));
    }
    sched_yield();
  }
}

void NcclCommunicator::all_reduce(const void* send, void* recv, std::size_t count,
                                  Datatype dtype, ReduceOp op) {
  MESHBENCH_NCCL_ENQUEUE(
      ncclAllReduce(send, recv, count, nccl_type(dtype), nccl_op(op), comm_, stream_));
}

void NcclCommunicator::all_gather(const void* send, void* recv, std::size_t send_count,
                                  Datatype dtype) {
  MESHBENCH_NCCL_ENQUEUE(ncclAllGather(send, recv, send_count, nccl_type(dtype), comm_, stream_));
}

void NcclCommunicator::reduce_scatter(const void* send, void* recv, std::size_t recv_count,
                                      Datatype dtype) {
  MESHBENCH_NCCL_ENQUEUE(
      ncclReduceScatter(send, recv, recv_count, nccl_type(dtype), ncclSum, comm_, stream_));
}

void NcclCommunicator::all_to_all(const void* send, void* recv, std::size_t count_per_peer,
                                  Datatype dtype) {
  const std::size_t block = count_per_peer * element_bytes(dtype);
  const auto* in = static_cast<const std::byte*>(send);
  auto* out = static_cast<std::byte*>(recv);
  MESHBENCH_NCCL_ENQUEUE(ncclGroupStart());
  for (int peer = 0; peer < size_; ++peer) {
    const std::size_t at = static_cast<std::size_t>(peer) * block;
    MESHBENCH_NCCL_ENQUEUE(
        ncclSend(in + at, count_per_peer, nccl_type(dtype), peer, comm_, stream_));
    MESHBENCH_NCCL_ENQUEUE(
        ncclRecv(out + at, count_per_peer, nccl_type(dtype), peer, comm_, stream_));
  }
  MESHBENCH_NCCL_ENQUEUE(ncclGroupEnd());
}

void NcclCommunicator::broadcast(void* buffer, std::size_t count, Datatype dtype, int root) {
  MESHBENCH_NCCL_ENQUEUE(
      ncclBroadcast(buffer, buffer, count, nccl_type(dtype), root, comm_, stream_));
}

void NcclCommunicator::send_recv(const void* send, int dest, void* recv, int source,
                                 std::size_t count, Datatype dtype) {
  MESHBENCH_NCCL_ENQUEUE(ncclGroupStart());
  MESHBENCH_NCCL_ENQUEUE(ncclSend(send, count, nccl_type(dtype), dest, comm_, stream_));
  MESHBENCH_NCCL_ENQUEUE(ncclRecv(recv, count, nccl_type(dtype), source, comm_, stream_));
  MESHBENCH_NCCL_ENQUEUE(ncclGroupEnd());
}

void NcclCommunicator::send(const void* buffer, std::size_t count, Datatype dtype, int dest) {
  MESHBENCH_NCCL_ENQUEUE(ncclSend(buffer, count, nccl_type(dtype), dest, comm_, stream_));
}

void NcclCommunicator::recv(void* buffer, std::size_t count, Datatype dtype, int source) {
  MESHBENCH_NCCL_ENQUEUE(ncclRecv(buffer, count, nccl_type(dtype), source, comm_, stream_));
}

void NcclCommunicator::barrier() {
  MESHBENCH_NCCL_ENQUEUE(
      ncclAllReduce(scratch_, scratch_, 1, ncclFloat32, ncclSum, comm_, stream_));
  synchronize();
}

std::unique_ptr<Communicator> NcclCommunicator::split(int color, int key) {
  ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
  config.blocking = 0;
  ncclComm_t child = nullptr;
  // Nonblocking: the child may still be in progress; its constructor waits for it to be ready.
  const ncclResult_t r = ncclCommSplit(comm_, color, key, &child, &config);
  if (r != ncclSuccess && r != ncclInProgress) fail(r, "ncclCommSplit");
  return std::make_unique<NcclCommunicator>(child, device_, timeout_s_);
}

double NcclCommunicator::wtime() const { return now_s(); }

std::unique_ptr<Executor> NcclCommunicator::make_executor() {
  return make_cuda_executor(*this);
}

}  // namespace meshbench
