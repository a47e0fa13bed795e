#pragma once
// Process-wide MPI life cycle: init, topology discovery, and a finalize that cannot hang.

#include <memory>

#include "bench/communicator.hpp"
#include "bench/topology.hpp"

namespace meshbench {

/// Owns MPI_Init/MPI_Finalize. Create one in main() before anything else that uses MPI, and
/// destroy (or finalize()) it after every Communicator is gone.
///
/// Finalize: MPICH over UCX's TCP transport sometimes spins forever in MPI_Finalize
/// (openucx/ucx#8738; ../shared/MACHINE_NOTES.md). finalize() therefore passes a yielding
/// barrier first. A job that spans nodes (where UCX uses TCP) then _exit()s with the intended
/// exit code without MPI_Finalize; a one-node job calls MPI_Finalize under a watchdog that
/// _exit()s the process if it has not returned within `finalize_timeout_s`. Results are flushed
/// before either.
class MpiRuntime {
 public:
  MpiRuntime(int* argc, char*** argv);
  ~MpiRuntime();
  MpiRuntime(const MpiRuntime&) = delete;
  MpiRuntime& operator=(const MpiRuntime&) = delete;

  /// This process's rank in MPI_COMM_WORLD.
  int world_rank() const;

  /// A communicator over all ranks.
  std::unique_ptr<Communicator> world(WaitMode mode) const;

  /// Node membership of every rank (MPI_Comm_split_type shared memory + processor names).
  Topology discover_topology() const;

  /// The "auto" wait mode, agreed by all ranks: kYield if any rank's node is oversubscribed.
  /// Collective. All ranks must use one mode: a blocking collective does not match the
  /// non-blocking one on another rank.
  WaitMode agree_auto_wait_mode(const Topology& topo, unsigned cores) const;

  /// The mode a --wait flag names: "spin", "yield", or "auto" (agree_auto_wait_mode with this
  /// machine's cores; collective). Throws UsageError naming --wait for any other value.
  WaitMode choose_wait_mode(const std::string& flag, const Topology& topo) const;

  /// "MPICH Version: 4.0.2 ..." (MPI_Get_library_version, first line).
  std::string library_version() const;

  /// Version of the UCX library MPICH runs over ("1.13.1"), "" when UCX is not loaded.
  std::string transport_version() const;

  /// Yielding barrier, then MPI_Finalize under a watchdog; `exit_code` is what the watchdog
  /// exits with. Idempotent.
  void finalize(int exit_code, double finalize_timeout_s = 10.0);

  /// Aborts every rank of the job (MPI_Abort) with `exit_code`.
  [[noreturn]] void abort(int exit_code) const;

 private:
  bool finalized_ = false;
};

/// The local wish behind "auto": yield when this node runs more ranks than it has cores
/// (cores == 0 means unknown, and yields).
WaitMode auto_wait_mode(int ranks_on_this_node, unsigned cores);

}  // namespace meshbench
