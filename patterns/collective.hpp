#pragma once
// Collective operations, their byte accounting and bus-bandwidth factors.
//
// "size" follows nccl-tests (doc/PERFORMANCE.md in NVIDIA/nccl-tests), so that meshbench tables
// can be laid next to nccl-tests tables:
//   all_reduce      size = bytes of each rank's input (= its output)
//   all_gather      size = bytes of each rank's output (n x its input)
//   reduce_scatter  size = bytes of each rank's input  (n x its output)
//   all_to_all      size = bytes each rank sends in all (n blocks, one per peer, own block included)
//   broadcast       size = bytes of the buffer
//   send_recv       size = bytes each rank sends (ring: to rank+1, from rank-1)
//   ping_pong       size = bytes of the message between ranks 0 and 1; time is one way (RTT/2,
//                   the OSU latency convention)
// algbw = size / time; busbw = algbw x busbw_factor(op, n).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace meshbench {

/// The collectives (and point-to-point patterns) meshbench measures.
enum class CollectiveOp {
  kAllReduce,
  kAllGather,
  kReduceScatter,
  kAllToAll,
  kBroadcast,
  kSendRecv,
  kPingPong,
};

/// How an op's nccl-tests size lays out in each rank's buffers (nccl-tests doc/PERFORMANCE.md).
enum class SizeLayout {
  kWhole,     ///< send and receive buffers are the whole size (all_reduce, broadcast, send_recv, ping_pong)
  kGather,    ///< send size / n, receive size (all_gather)
  kScatter,   ///< send size, receive size / n (reduce_scatter)
  kExchange,  ///< send and receive size, n blocks of one per peer (all_to_all)
};

/// How busbw follows from algbw on n ranks (nccl-tests doc/PERFORMANCE.md).
enum class BusbwRule {
  kAllReduce,  ///< 2(n-1)/n: each rank sends and receives 2(n-1)/n of the buffer
  kBlocks,     ///< (n-1)/n: each rank receives n-1 of the n blocks of the size
  kOne,        ///< 1: the whole size crosses one link
};

/// The one table of what meshbench knows about an op: names, byte accounting and bus-bandwidth
/// rule, read by bench (buffers, counts), pattern (bytes per rank), the importers (which op a
/// table is), fit and plan (algorithm steps, point-to-point). One row per CollectiveOp.
struct OpTraits {
  CollectiveOp op;
  std::string_view name;             ///< CLI and CSV ("all_reduce")
  std::string_view nccl_tests_name;  ///< nccl-tests' spelling ("allreduce" of allreduce_perf)
  bool reduction;                    ///< the result is a sum across ranks (depends on the dtype)
  bool point_to_point;               ///< send_recv, ping_pong: one message between two ranks
  int min_ranks;                     ///< 2 for ping_pong, 1 otherwise
  SizeLayout layout;
  BusbwRule busbw;
  /// A call ends on no rank before every rank has started it (each output needs every input,
  /// or a round trip), so calls run back to back cannot overlap and each still times one call.
  /// Not so for broadcast (the root returns first, receivers read what was sent ahead) and
  /// send_recv (a rank needs only its neighbour): OSU separates their calls by a barrier.
  bool synchronizing;
};

/// The row of `op`.
const OpTraits& op_traits(CollectiveOp op);

/// True for the ops whose size splits into n rank blocks (SizeLayout kGather, kScatter,
/// kExchange): their element counts round the size down to a multiple of n elements.
bool splits_into_blocks(CollectiveOp op);

/// All ops, in the order sweeps run and reports list them.
std::span<const CollectiveOp> all_collective_ops();

/// snake_case name used on the CLI and in CSV files ("all_reduce", ...).
std::string_view op_name(CollectiveOp op);

/// Inverse of op_name; also accepts nccl-tests spellings ("allreduce", "alltoall", "sendrecv",
/// "reducescatter", "allgather", "bcast"). Returns nullopt for anything else.
std::optional<CollectiveOp> parse_op(std::string_view name);

/// True for ops whose result is a sum across ranks (and so depends on the reduction datatype).
bool is_reduction(CollectiveOp op);

/// Smallest rank count the op can run on (2 for ping_pong, 1 otherwise).
int min_ranks(CollectiveOp op);

/// nccl-tests bus-bandwidth factor for `op` on `nranks` ranks (nranks >= 1):
///   all_reduce 2(n-1)/n; all_gather, reduce_scatter, all_to_all (n-1)/n;
///   broadcast, send_recv, ping_pong 1.
/// Source: nccl-tests doc/PERFORMANCE.md. Throws std::invalid_argument for nranks < 1.
double busbw_factor(CollectiveOp op, int nranks);

/// algbw in GB/s (1e9 bytes/s) of `size_bytes` (nccl-tests size) moved in `time_us`
/// microseconds; 0 when time_us <= 0. busbw = algbw x busbw_factor.
double algbw_GBps(std::uint64_t size_bytes, double time_us);

/// Element counts of one rank's buffers for one call, and the nccl-tests size they amount to.
struct ElementCounts {
  std::size_t send_count = 0;  ///< elements in each rank's send buffer
  std::size_t recv_count = 0;  ///< elements in each rank's receive buffer
  std::uint64_t size_bytes = 0;  ///< nccl-tests "size" after rounding down to whole elements
};

/// Buffer element counts for a requested nccl-tests size. Like nccl-tests, the size is rounded
/// down to a whole number of elements (per rank block for all_gather, reduce_scatter and
/// all_to_all: a multiple of nranks x element_bytes); the result may therefore be 0 elements.
/// Throws std::invalid_argument for nranks < 1 or element_bytes == 0.
ElementCounts element_counts(CollectiveOp op, std::uint64_t requested_bytes, int nranks,
                             std::size_t element_bytes);

/// The count argument of one library call of `op` for these element counts on `nranks` ranks:
/// the whole buffer (kWhole), one rank's block (kGather's send, kScatter's receive: MPI's and
/// NCCL's per-rank counts), or one peer's block (kExchange). What a library's count type must
/// hold (MPI's is an int). Throws std::invalid_argument for nranks < 1.
std::uint64_t call_count(CollectiveOp op, const ElementCounts& counts, int nranks);

}  // namespace meshbench
