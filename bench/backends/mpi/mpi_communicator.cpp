#include "bench/backends/mpi/mpi_communicator.hpp"

#include <fmt/format.h>
#include <sched.h>

#include <climits>
#include <cstring>
#include <stdexcept>
#include <string>

#include "bench/backends/mpi/mpi_error.hpp"

namespace meshbench {
namespace {

// MPI has no bf16 type (MPICH 4.0): bf16 travels as 16-bit integers and is summed by this
// user operator, in float with round-to-nearest-even back to bf16 (what NCCL does per step).
void bf16_sum(void* in, void* inout, int* len, MPI_Datatype* /*type*/) {
  const auto* a = static_cast<const std::uint16_t*>(in);
  auto* b = static_cast<std::uint16_t*>(inout);
  for (int i = 0; i < *len; ++i) b[i] = float_to_bf16(bf16_to_float(a[i]) + bf16_to_float(b[i]));
}

// Created on first use and never changed: an MPI handle, not configuration.
MPI_Op bf16_sum_op() {
  static const MPI_Op op = [] {
    MPI_Op created;
    MESHBENCH_MPI_CHECK(MPI_Op_create(&bf16_sum, /*commute=*/1, &created));
    return created;
  }();
  return op;
}

MPI_Datatype mpi_type(Datatype dtype) {
  switch (dtype) {
    case Datatype::kFloat32: return MPI_FLOAT;
    case Datatype::kBfloat16: return MPI_UINT16_T;
    case Datatype::kFloat64: return MPI_DOUBLE;
    case Datatype::kUint64: return MPI_UINT64_T;
  }
  throw std::logic_error("mpi_type: unknown datatype");
}

MPI_Op mpi_op(ReduceOp op, Datatype dtype) {
  if (dtype == Datatype::kBfloat16) {
    if (op != ReduceOp::kSum) throw std::invalid_argument("bf16 reductions support sum only");
    return bf16_sum_op();
  }
  return op == ReduceOp::kSum ? MPI_SUM : MPI_MAX;
}

// MPI counts are int; larger messages are refused rather than silently truncated.
int mpi_count(std::size_t count) {
  if (count > static_cast<std::size_t>(INT_MAX)) {
    throw std::invalid_argument("element count " + std::to_string(count) +
                                " exceeds the MPI int count limit " + std::to_string(INT_MAX));
  }
  return static_cast<int>(count);
}

constexpr int kTag = 7117;

}  // namespace

std::string wait_mode_name(WaitMode mode) { return mode == WaitMode::kSpin ? "spin" : "yield"; }

MpiCommunicator::MpiCommunicator(MPI_Comm comm, bool owned, WaitMode mode)
    : comm_(comm), owned_(owned), mode_(mode) {
  MESHBENCH_MPI_CHECK(MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN));
  MESHBENCH_MPI_CHECK(MPI_Comm_rank(comm_, &rank_));
  MESHBENCH_MPI_CHECK(MPI_Comm_size(comm_, &size_));
}

MpiCommunicator::~MpiCommunicator() {
  if (owned_) MPI_Comm_free(&comm_);  // no throw from a destructor
}

void MpiCommunicator::wait(MPI_Request* request) const {
  if (mode_ == WaitMode::kSpin) {
    MESHBENCH_MPI_CHECK(MPI_Wait(request, MPI_STATUS_IGNORE));
    return;
  }
  int done = 0;
  const double deadline = timeout_s_ > 0 ? MPI_Wtime() + timeout_s_ : 0;
  for (;;) {
    MESHBENCH_MPI_CHECK(MPI_Test(request, &done, MPI_STATUS_IGNORE));
    if (done) return;
    if (deadline > 0 && MPI_Wtime() > deadline) {
      throw CollectiveTimeout(fmt::format("no completion within {} s", timeout_s_));
    }
    sched_yield();
  }
}

void MpiCommunicator::wait_all(int n, MPI_Request* requests) const {
  if (mode_ == WaitMode::kSpin) {
    MESHBENCH_MPI_CHECK(MPI_Waitall(n, requests, MPI_STATUSES_IGNORE));
    return;
  }
  int done = 0;
  const double deadline = timeout_s_ > 0 ? MPI_Wtime() + timeout_s_ : 0;
  for (;;) {
    MESHBENCH_MPI_CHECK(MPI_Testall(n, requests, &done, MPI_STATUSES_IGNORE));
    if (done) return;
    if (deadline > 0 && MPI_Wtime() > deadline) {
      throw CollectiveTimeout(fmt::format("no completion within {} s", timeout_s_));
    }
    sched_yield();
  }
}

void MpiCommunicator::all_reduce(const void* send, void* recv, std::size_t count, Datatype dtype,
                                 ReduceOp op) {
  const int n = mpi_count(count);
  if (send == recv) send = MPI_IN_PLACE;  // in place (nccl.h's convention)
  if (mode_ == WaitMode::kSpin) {
    MESHBENCH_MPI_CHECK(MPI_Allreduce(send, recv, n, mpi_type(dtype), mpi_op(op, dtype), comm_));
    return;
  }
  MPI_Request req;
  MESHBENCH_MPI_CHECK(
      MPI_Iallreduce(send, recv, n, mpi_type(dtype), mpi_op(op, dtype), comm_, &req));
  wait(&req);
}

void MpiCommunicator::all_gather(const void* send, void* recv, std::size_t send_count,
                                 Datatype dtype) {
  const int n = mpi_count(send_count);
  mpi_count(send_count * static_cast<std::size_t>(size_));
  const MPI_Datatype t = mpi_type(dtype);
  // In place (nccl.h): the input is this rank's block of the output, as MPI_IN_PLACE expects.
  if (send == static_cast<const std::byte*>(recv) +
                  static_cast<std::size_t>(rank_) * send_count * element_bytes(dtype)) {
    send = MPI_IN_PLACE;
  }
  if (mode_ == WaitMode::kSpin) {
    MESHBENCH_MPI_CHECK(MPI_Allgather(send, n, t, recv, n, t, comm_));
    return;
  }
  MPI_Request req;
  MESHBENCH_MPI_CHECK(MPI_Iallgather(send, n, t, recv, n, t, comm_, &req));
  wait(&req);
}

void MpiCommunicator::reduce_scatter(const void* send, void* recv, std::size_t recv_count,
                                     Datatype dtype) {
  const int n = mpi_count(recv_count);
  mpi_count(recv_count * static_cast<std::size_t>(size_));
  const MPI_Datatype t = mpi_type(dtype);
  const MPI_Op op = mpi_op(ReduceOp::kSum, dtype);
  // In place (nccl.h): the output is this rank's block of the input. MPI_IN_PLACE leaves the
  // result at the start of the input instead, so it is moved to the rank's block afterwards.
  const std::size_t block_bytes = recv_count * element_bytes(dtype);
  auto* input = const_cast<std::byte*>(static_cast<const std::byte*>(send));
  const bool in_place = recv == input + static_cast<std::size_t>(rank_) * block_bytes;
  const void* mpi_send = in_place ? MPI_IN_PLACE : send;
  void* mpi_recv = in_place ? static_cast<void*>(input) : recv;
  if (mode_ == WaitMode::kSpin) {
    MESHBENCH_MPI_CHECK(MPI_Reduce_scatter_block(mpi_send, mpi_recv, n, t, op, comm_));
  } else {
    MPI_Request req;
    MESHBENCH_MPI_CHECK(MPI_Ireduce_scatter_block(mpi_send, mpi_recv, n, t, op, comm_, &req));
    wait(&req);
  }
  if (in_place && rank_ != 0) std::memmove(recv, input, block_bytes);
}

void MpiCommunicator::all_to_all(const void* send, void* recv, std::size_t count_per_peer,
                                 Datatype dtype) {
  const int n = mpi_count(count_per_peer);
  mpi_count(count_per_peer * static_cast<std::size_t>(size_));
  const MPI_Datatype t = mpi_type(dtype);
  if (mode_ == WaitMode::kSpin) {
    MESHBENCH_MPI_CHECK(MPI_Alltoall(send, n, t, recv, n, t, comm_));
    return;
  }
  MPI_Request req;
  MESHBENCH_MPI_CHECK(MPI_Ialltoall(send, n, t, recv, n, t, comm_, &req));
  wait(&req);
}

void MpiCommunicator::broadcast(void* buffer, std::size_t count, Datatype dtype, int root) {
  const int n = mpi_count(count);
  if (mode_ == WaitMode::kSpin) {
    MESHBENCH_MPI_CHECK(MPI_Bcast(buffer, n, mpi_type(dtype), root, comm_));
    return;
  }
  MPI_Request req;
  MESHBENCH_MPI_CHECK(MPI_Ibcast(buffer, n, mpi_type(dtype), root, comm_, &req));
  wait(&req);
}

void MpiCommunicator::send_recv(const void* send, int dest, void* recv, int source,
                                std::size_t count, Datatype dtype) {
  const int n = mpi_count(count);
  const MPI_Datatype t = mpi_type(dtype);
  // Post the receive first so an eager message never waits in the unexpected queue.
  MPI_Request reqs[2];
  MESHBENCH_MPI_CHECK(MPI_Irecv(recv, n, t, source, kTag, comm_, &reqs[0]));
  MESHBENCH_MPI_CHECK(MPI_Isend(send, n, t, dest, kTag, comm_, &reqs[1]));
  wait_all(2, reqs);
}

void MpiCommunicator::send(const void* buffer, std::size_t count, Datatype dtype, int dest) {
  const int n = mpi_count(count);
  if (mode_ == WaitMode::kSpin) {
    MESHBENCH_MPI_CHECK(MPI_Send(buffer, n, mpi_type(dtype), dest, kTag, comm_));
    return;
  }
  MPI_Request req;
  MESHBENCH_MPI_CHECK(MPI_Isend(buffer, n, mpi_type(dtype), dest, kTag, comm_, &req));
  wait(&req);
}

void MpiCommunicator::recv(void* buffer, std::size_t count, Datatype dtype, int source) {
  const int n = mpi_count(count);
  if (mode_ == WaitMode::kSpin) {
    MESHBENCH_MPI_CHECK(
        MPI_Recv(buffer, n, mpi_type(dtype), source, kTag, comm_, MPI_STATUS_IGNORE));
    return;
  }
  MPI_Request req;
  MESHBENCH_MPI_CHECK(MPI_Irecv(buffer, n, mpi_type(dtype), source, kTag, comm_, &req));
  wait(&req);
}

void MpiCommunicator::barrier() {
  if (mode_ == WaitMode::kSpin) {
    MESHBENCH_MPI_CHECK(MPI_Barrier(comm_));
    return;
  }
  MPI_Request req;
  MESHBENCH_MPI_CHECK(MPI_Ibarrier(comm_, &req));
  wait(&req);
}

std::unique_ptr<Communicator> MpiCommunicator::split(int color, int key) {
  MPI_Comm sub;
  MESHBENCH_MPI_CHECK(MPI_Comm_split(comm_, color, key, &sub));
  auto out = std::make_unique<MpiCommunicator>(sub, /*owned=*/true, mode_);
  out->set_timeout(timeout_s_);  // a sub-group keeps its parent's watchdog
  return out;
}

}  // namespace meshbench
