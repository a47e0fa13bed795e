#include "patterns/collective.hpp"

#include <array>
#include <stdexcept>
#include <string>

namespace meshbench {
namespace {

struct OpInfo {
  CollectiveOp op;
  std::string_view name;
  std::string_view nccl_tests_name;
};

constexpr std::array<OpInfo, 7> kOps = {{
    {CollectiveOp::kAllReduce, "all_reduce", "allreduce"},
    {CollectiveOp::kAllGather, "all_gather", "allgather"},
    {CollectiveOp::kReduceScatter, "reduce_scatter", "reducescatter"},
    {CollectiveOp::kAllToAll, "all_to_all", "alltoall"},
    {CollectiveOp::kBroadcast, "broadcast", "bcast"},
    {CollectiveOp::kSendRecv, "send_recv", "sendrecv"},
    {CollectiveOp::kPingPong, "ping_pong", "pingpong"},
}};

constexpr std::array<CollectiveOp, 7> kOrder = {
    CollectiveOp::kAllReduce, CollectiveOp::kAllGather, CollectiveOp::kReduceScatter,
    CollectiveOp::kAllToAll,  CollectiveOp::kBroadcast, CollectiveOp::kSendRecv,
    CollectiveOp::kPingPong};

void check_ranks(int nranks) {
  if (nranks < 1) throw std::invalid_argument("rank count must be >= 1, got " + std::to_string(nranks));
}

}  // namespace

std::span<const CollectiveOp> all_collective_ops() { return kOrder; }

std::string_view op_name(CollectiveOp op) {
  for (const auto& info : kOps) {
    if (info.op == op) return info.name;
  }
  throw std::logic_error("unnamed CollectiveOp");
}

std::optional<CollectiveOp> parse_op(std::string_view name) {
  for (const auto& info : kOps) {
    if (name == info.name || name == info.nccl_tests_name) return info.op;
  }
  if (name == "broadcast") return CollectiveOp::kBroadcast;
  return std::nullopt;
}

bool is_reduction(CollectiveOp op) {
  return op == CollectiveOp::kAllReduce || op == CollectiveOp::kReduceScatter;
}

int min_ranks(CollectiveOp op) { return op == CollectiveOp::kPingPong ? 2 : 1; }

double busbw_factor(CollectiveOp op, int nranks) {
  check_ranks(nranks);
  const double n = nranks;
  switch (op) {
    case CollectiveOp::kAllReduce:
      // Each rank sends and receives 2(n-1)/n of the buffer in the bandwidth-optimal algorithm.
      return 2.0 * (n - 1.0) / n;
    case CollectiveOp::kAllGather:
    case CollectiveOp::kReduceScatter:
    case CollectiveOp::kAllToAll:
      // Each rank receives (n-1) of the n blocks that make up "size".
      return (n - 1.0) / n;
    case CollectiveOp::kBroadcast:
    case CollectiveOp::kSendRecv:
    case CollectiveOp::kPingPong:
      return 1.0;
  }
  throw std::logic_error("busbw_factor: unknown op");
}

double algbw_GBps(std::uint64_t size_bytes, double time_us) {
  return time_us > 0 ? static_cast<double>(size_bytes) / (time_us * 1e3) : 0.0;
}

ElementCounts element_counts(CollectiveOp op, std::uint64_t requested_bytes, int nranks,
                             std::size_t element_bytes) {
  check_ranks(nranks);
  if (element_bytes == 0) throw std::invalid_argument("element_bytes must be > 0");
  const std::uint64_t n = static_cast<std::uint64_t>(nranks);
  ElementCounts c;
  switch (op) {
    case CollectiveOp::kAllReduce:
    case CollectiveOp::kBroadcast:
    case CollectiveOp::kSendRecv:
    case CollectiveOp::kPingPong: {
      const std::uint64_t count = requested_bytes / element_bytes;
      c.send_count = c.recv_count = count;
      c.size_bytes = count * element_bytes;
      break;
    }
    case CollectiveOp::kAllGather: {
      const std::uint64_t per_rank = requested_bytes / (n * element_bytes);
      c.send_count = per_rank;
      c.recv_count = per_rank * n;
      c.size_bytes = per_rank * n * element_bytes;
      break;
    }
    case CollectiveOp::kReduceScatter: {
      const std::uint64_t per_rank = requested_bytes / (n * element_bytes);
      c.send_count = per_rank * n;
      c.recv_count = per_rank;
      c.size_bytes = per_rank * n * element_bytes;
      break;
    }
    case CollectiveOp::kAllToAll: {
      const std::uint64_t per_peer = requested_bytes / (n * element_bytes);
      c.send_count = c.recv_count = per_peer * n;
      c.size_bytes = per_peer * n * element_bytes;
      break;
    }
  }
  return c;
}

}  // namespace meshbench
