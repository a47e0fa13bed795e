#include "patterns/collective.hpp"

#include <array>
#include <stdexcept>
#include <string>

namespace meshbench {
namespace {

using L = SizeLayout;
using B = BusbwRule;

// In the order sweeps run and reports list them.
constexpr std::array<OpTraits, 7> kOps = {{
    {CollectiveOp::kAllReduce, "all_reduce", "allreduce", true, false, 1, L::kWhole, B::kAllReduce, true},
    {CollectiveOp::kAllGather, "all_gather", "allgather", false, false, 1, L::kGather, B::kBlocks, true},
    {CollectiveOp::kReduceScatter, "reduce_scatter", "reducescatter", true, false, 1, L::kScatter,
     B::kBlocks, true},
    {CollectiveOp::kAllToAll, "all_to_all", "alltoall", false, false, 1, L::kExchange, B::kBlocks, true},
    {CollectiveOp::kBroadcast, "broadcast", "bcast", false, false, 1, L::kWhole, B::kOne, false},
    {CollectiveOp::kSendRecv, "send_recv", "sendrecv", false, true, 1, L::kWhole, B::kOne, false},
    {CollectiveOp::kPingPong, "ping_pong", "pingpong", false, true, 2, L::kWhole, B::kOne, true},
}};

constexpr std::array<CollectiveOp, kOps.size()> order_of_table() {
  std::array<CollectiveOp, kOps.size()> out{};
  for (std::size_t i = 0; i < kOps.size(); ++i) out[i] = kOps[i].op;
  return out;
}
constexpr std::array<CollectiveOp, kOps.size()> kOrder = order_of_table();

void check_ranks(int nranks) {
  if (nranks < 1) throw std::invalid_argument("rank count must be >= 1, got " + std::to_string(nranks));
}

}  // namespace

const OpTraits& op_traits(CollectiveOp op) {
  for (const auto& info : kOps) {
    if (info.op == op) return info;
  }
  throw std::logic_error("op_traits: unknown CollectiveOp");
}

bool splits_into_blocks(CollectiveOp op) { return op_traits(op).layout != SizeLayout::kWhole; }

std::span<const CollectiveOp> all_collective_ops() { return kOrder; }

std::string_view op_name(CollectiveOp op) { return op_traits(op).name; }

std::optional<CollectiveOp> parse_op(std::string_view name) {
  for (const auto& info : kOps) {
    if (name == info.name || name == info.nccl_tests_name) return info.op;
  }
  return std::nullopt;
}

bool is_reduction(CollectiveOp op) { return op_traits(op).reduction; }

int min_ranks(CollectiveOp op) { return op_traits(op).min_ranks; }

double busbw_factor(CollectiveOp op, int nranks) {
  check_ranks(nranks);
  const double n = nranks;
  switch (op_traits(op).busbw) {
    case BusbwRule::kAllReduce: return 2.0 * (n - 1.0) / n;
    case BusbwRule::kBlocks: return (n - 1.0) / n;
    case BusbwRule::kOne: return 1.0;
  }
  throw std::logic_error("busbw_factor: unknown rule");
}

double algbw_GBps(std::uint64_t size_bytes, double time_us) {
  return time_us > 0 ? static_cast<double>(size_bytes) / (time_us * 1e3) : 0.0;
}

std::uint64_t call_count(CollectiveOp op, const ElementCounts& counts, int nranks) {
  check_ranks(nranks);
  switch (op_traits(op).layout) {
    case SizeLayout::kWhole:
    case SizeLayout::kGather: return counts.send_count;
    case SizeLayout::kScatter: return counts.recv_count;
    case SizeLayout::kExchange: return counts.send_count / static_cast<std::uint64_t>(nranks);
  }
  return counts.send_count;
}

ElementCounts element_counts(CollectiveOp op, std::uint64_t requested_bytes, int nranks,
                             std::size_t element_bytes) {
  check_ranks(nranks);
  if (element_bytes == 0) throw std::invalid_argument("element_bytes must be > 0");
  const std::uint64_t n = static_cast<std::uint64_t>(nranks);
  ElementCounts c;
  switch (op_traits(op).layout) {
    case SizeLayout::kWhole: {
      const std::uint64_t count = requested_bytes / element_bytes;
      c.send_count = c.recv_count = count;
      c.size_bytes = count * element_bytes;
      break;
    }
    case SizeLayout::kGather: {
      const std::uint64_t per_rank = requested_bytes / (n * element_bytes);
      c.send_count = per_rank;
      c.recv_count = per_rank * n;
      c.size_bytes = per_rank * n * element_bytes;
      break;
    }
    case SizeLayout::kScatter: {
      const std::uint64_t per_rank = requested_bytes / (n * element_bytes);
      c.send_count = per_rank * n;
      c.recv_count = per_rank;
      c.size_bytes = per_rank * n * element_bytes;
      break;
    }
    case SizeLayout::kExchange: {
      const std::uint64_t per_peer = requested_bytes / (n * element_bytes);
      c.send_count = c.recv_count = per_peer * n;
      c.size_bytes = per_peer * n * element_bytes;
      break;
    }
  }
  return c;
}

}  // namespace meshbench
