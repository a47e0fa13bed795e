#pragma once
// A Communicator that counts the bytes its caller hands to the backend to send and asks it to
// receive, per call, then forwards the call. `meshbench pattern` uses it to prove that what it
// executed is exactly the traffic table (the API-level bytes, not what an MPI or NCCL algorithm
// moves internally).

#include <cstdint>
#include <memory>

#include "bench/communicator.hpp"
#include "bench/executor.hpp"

namespace meshbench {

/// Bytes one rank passed to send and to receive.
struct ByteCounts {
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
};

class CountingCommunicator final : public Communicator {
 public:
  /// Forwards to `inner`; adds to `counts`, which must outlive this object.
  CountingCommunicator(std::unique_ptr<Communicator> inner, ByteCounts& counts)
      : inner_(std::move(inner)), counts_(counts) {}

  int rank() const override { return inner_->rank(); }
  int size() const override { return inner_->size(); }
  std::size_t max_call_count() const override { return inner_->max_call_count(); }
  /// Counted as: all_reduce count in, count out; all_gather send_count in, size x send_count
  /// out; reduce_scatter size x recv_count in, recv_count out; all_to_all size x count in and
  /// out; broadcast count out on the root, in elsewhere; send_recv / send / recv what they say.
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
  void barrier() override { inner_->barrier(); }
  /// The new communicator counts into the same ByteCounts.
  std::unique_ptr<Communicator> split(int color, int key) override;
  double wtime() const override { return inner_->wtime(); }
  void set_timeout(double seconds) override { inner_->set_timeout(seconds); }
  void synchronize() override { inner_->synchronize(); }
  std::unique_ptr<Executor> make_executor() override { return inner_->make_executor(); }

 private:
  void add(std::size_t sent_elems, std::size_t received_elems, Datatype dtype);
  std::unique_ptr<Communicator> inner_;
  ByteCounts& counts_;
};

}  // namespace meshbench
