#pragma once
// One measured point as every layer sees it: what a rank knows about it (PointContext), where
// its buffers lie (BufferLayout), and the buffers themselves (Buffers, in host or device memory).

#include <cstddef>
#include <cstdint>
#include <memory>

#include "bench/datatype.hpp"
#include "patterns/collective.hpp"

namespace meshbench {

/// What one rank knows about one (op, size, dtype) point.
struct PointContext {
  int rank = 0;
  int nranks = 1;
  Datatype dtype = Datatype::kFloat32;
  ElementCounts counts;     ///< per-rank element counts (patterns::element_counts)
  std::uint64_t seed = 0;   ///< verification seed
  int magnitude = 1;        ///< verification value range (bench/verify.hpp)
  bool in_place = false;    ///< output aliases input (BufferLayout)
};

/// Where one rank's input and output lie inside one allocation, in bytes. In-place points alias
/// them as nccl.h defines in-place: all_gather's input is the rank's block of its output,
/// reduce_scatter's output is the rank's block of its input, the other ops share one buffer.
struct BufferLayout {
  std::size_t total_bytes = 0;
  std::size_t send_offset = 0;
  std::size_t send_bytes = 0;  ///< 0: this rank has no input to fill (a broadcast non-root)
  std::size_t recv_offset = 0;
  std::size_t recv_bytes = 0;
};

/// A point's buffers: `send` and `recv` point into `memory`, which owns the allocation (host or
/// device memory, as the Executor that made it).
struct Buffers {
  void* send = nullptr;
  void* recv = nullptr;
  std::shared_ptr<void> memory;
};

}  // namespace meshbench
