#include "bench/counting_communicator.hpp"

namespace meshbench {

void CountingCommunicator::add(std::size_t sent_elems, std::size_t received_elems, Datatype dtype) {
  counts_.sent += sent_elems * element_bytes(dtype);
  counts_.received += received_elems * element_bytes(dtype);
}

void CountingCommunicator::all_reduce(const void* send, void* recv, std::size_t count,
                                      Datatype dtype, ReduceOp op) {
  add(count, count, dtype);
  inner_->all_reduce(send, recv, count, dtype, op);
}

void CountingCommunicator::all_gather(const void* send, void* recv, std::size_t send_count,
                                      Datatype dtype) {
  add(send_count, send_count * static_cast<std::size_t>(size()), dtype);
  inner_->all_gather(send, recv, send_count, dtype);
}

void CountingCommunicator::reduce_scatter(const void* send, void* recv, std::size_t recv_count,
                                          Datatype dtype) {
  add(recv_count * static_cast<std::size_t>(size()), recv_count, dtype);
  inner_->reduce_scatter(send, recv, recv_count, dtype);
}

void CountingCommunicator::all_to_all(const void* send, void* recv, std::size_t count_per_peer,
                                      Datatype dtype) {
  const std::size_t all = count_per_peer * static_cast<std::size_t>(size());
  add(all, all, dtype);
  inner_->all_to_all(send, recv, count_per_peer, dtype);
}

void CountingCommunicator::broadcast(void* buffer, std::size_t count, Datatype dtype, int root) {
  if (rank() == root) add(count, 0, dtype); else add(0, count, dtype);
  inner_->broadcast(buffer, count, dtype, root);
}

void CountingCommunicator::send_recv(const void* send, int dest, void* recv, int source,
                                     std::size_t count, Datatype dtype) {
  add(count, count, dtype);
  inner_->send_recv(send, dest, recv, source, count, dtype);
}

void CountingCommunicator::send(const void* buffer, std::size_t count, Datatype dtype, int dest) {
  add(count, 0, dtype);
  inner_->send(buffer, count, dtype, dest);
}

void CountingCommunicator::recv(void* buffer, std::size_t count, Datatype dtype, int source) {
  add(0, count, dtype);
  inner_->recv(buffer, count, dtype, source);
}

std::unique_ptr<Communicator> CountingCommunicator::split(int color, int key) {
  return std::make_unique<CountingCommunicator>(inner_->split(color, key), counts_);
}

}  // namespace meshbench
