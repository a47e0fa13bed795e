#pragma once
// Where the ranks of a job live: which node each rank is on. Backend-neutral facts; each
// backend discovers them its own way.

#include <string>
#include <vector>

namespace meshbench {

struct Topology {
  int world_size = 1;
  int rank = 0;
  int local_rank = 0;       ///< rank among the ranks of this node
  int node_index = 0;       ///< 0..nodes-1, nodes numbered by their lowest world rank
  int nodes = 1;
  int ranks_per_node = 1;   ///< largest number of ranks on any node
  std::vector<std::string> node_hosts;  ///< host name of each node, by node_index
  std::vector<int> node_of_rank;        ///< node_index of each world rank
  /// hwloc facts of each node as JSON text (bench/hardware.hpp), by node_index; filled on
  /// world rank 0 only (the rank that writes run.json).
  std::vector<std::string> node_hardware;
};

}  // namespace meshbench
