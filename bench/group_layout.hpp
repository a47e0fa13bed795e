#pragma once
// The groups a sweep runs on: all ranks of the job ("world"), or every group of one mesh axis
// at once (as training runs them), each with the tier it crosses.

#include <memory>
#include <string>
#include <vector>

#include "bench/communicator.hpp"
#include "bench/topology.hpp"
#include "patterns/mesh.hpp"

namespace meshbench {

struct GroupLayout {
  std::string mesh = "world";   ///< "tp=2,dp=2" (canonical), or "world"
  std::string order;            ///< fastest-first axis order ("tp-cp-ep-dp-pp"), "" for world
  std::string axis = "world";   ///< "tp", ..., or "world"
  std::vector<std::vector<int>> groups;     ///< world ranks of each group
  std::vector<GroupPlacement> placements;   ///< tier of each group (same index)
  int my_group = 0;                         ///< this rank's group
  std::unique_ptr<Communicator> comm;       ///< this rank's group (ranks ordered as in groups)

  int group_count() const { return static_cast<int>(groups.size()); }
  /// The tier shared by every group, or "mixed".
  std::string common_tier() const;
  /// Short label for names and console lines: "world" or "tp@tp-cp-ep-dp-pp".
  std::string label() const;
};

/// One group of all ranks. Collective over `world`.
GroupLayout world_layout(Communicator& world, const Topology& topo);

/// The groups of `axis` in `mesh` (mesh.world_size() must equal world.size()). Collective over
/// `world` (every rank must call it with the same arguments).
GroupLayout axis_layout(Communicator& world, const Topology& topo, const DeviceMesh& mesh,
                        MeshAxis axis);

}  // namespace meshbench
