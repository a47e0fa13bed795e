#pragma once

#include <climits>

#include <mpi.h>

#include <memory>

#include "bench/communicator.hpp"

namespace meshbench {

/// Communicator over an MPI communicator. Owns (and frees) the MPI_Comm unless it is
/// MPI_COMM_WORLD. Errors are returned by MPI (MPI_ERRORS_RETURN) and thrown as MpiError.
///
/// Wait modes: kSpin calls MPI's blocking collectives (what OSU and most users measure);
/// kYield calls the non-blocking variant (MPI_Iallreduce, ...) and polls MPI_Test with
/// sched_yield() in between, so that ranks sharing a core let each other run
/// (../shared/MACHINE_NOTES.md: blocking calls cost a scheduler slice each when oversubscribed).
/// MPICH may pick different algorithms for the non-blocking variants, so the mode is recorded
/// with every result.
class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator(MPI_Comm comm, bool owned, WaitMode mode);
  ~MpiCommunicator() override;
  MpiCommunicator(const MpiCommunicator&) = delete;
  MpiCommunicator& operator=(const MpiCommunicator&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  WaitMode wait_mode() const { return mode_; }

  void all_reduce(const void* send, void* recv, std::size_t count, Datatype dtype,
                  ReduceOp op) override;
  void all_gather(const void* send, void* recv, std::size_t send_count, Datatype dtype) override;
  void reduce_scatter(const void* send, void* recv, std::size_t recv_count,
                      Datatype dtype) override;
  void all_to_all(const void* send, void* recv, std::size_t count_per_peer,
                  Datatype dtype) override;
  void broadcast(void* buffer, std::size_t count, Datatype dtype, int root) override;
  void send_recv(const void* send, int dest, void* recv, int source, std::size_t count,
                 Datatype dtype) override;
  void send(const void* buffer, std::size_t count, Datatype dtype, int dest) override;
  void recv(void* buffer, std::size_t count, Datatype dtype, int source) override;
  void barrier() override;
  std::unique_ptr<Communicator> split(int color, int key) override;
  double wtime() const override { return MPI_Wtime(); }
  std::size_t max_call_count() const override { return static_cast<std::size_t>(INT_MAX); }
  void set_timeout(double seconds) override { timeout_s_ = seconds; }

 private:
  void wait(MPI_Request* request) const;
  void wait_all(int n, MPI_Request* requests) const;

  MPI_Comm comm_;
  bool owned_;
  WaitMode mode_;
  int rank_ = 0;
  int size_ = 1;
  double timeout_s_ = 0;  ///< 0: none (yield mode only)
};

}  // namespace meshbench
