#include "bench/group_layout.hpp"

#include <fmt/format.h>

namespace meshbench {

std::string GroupLayout::common_tier() const {
  std::string tier;
  for (const auto& p : placements) {
    if (tier.empty()) tier = p.tier();
    if (tier != p.tier()) return "mixed";
  }
  return tier;
}

std::string GroupLayout::label() const {
  return order.empty() ? axis : fmt::format("{}@{}", axis, order);
}

GroupLayout world_layout(Communicator& world, const Topology& topo) {
  GroupLayout layout;
  std::vector<int> all(static_cast<std::size_t>(world.size()));
  for (int r = 0; r < world.size(); ++r) all[static_cast<std::size_t>(r)] = r;
  layout.placements.push_back(classify_group(all, topo.node_of_rank));
  layout.groups.push_back(std::move(all));
  layout.comm = world.split(0, world.rank());
  return layout;
}

GroupLayout axis_layout(Communicator& world, const Topology& topo, const DeviceMesh& mesh,
                        MeshAxis axis) {
  GroupLayout layout;
  layout.mesh = format_mesh_sizes(mesh.sizes());
  layout.order = format_mesh_order(mesh.order());
  layout.axis = std::string(axis_name(axis));
  layout.groups = mesh.groups(axis);
  for (const auto& g : layout.groups) {
    layout.placements.push_back(classify_group(g, topo.node_of_rank));
  }
  layout.my_group = mesh.group_index(world.rank(), axis);
  const int position = mesh.coords(world.rank())[static_cast<std::size_t>(axis)];
  layout.comm = world.split(layout.my_group, position);
  return layout;
}

}  // namespace meshbench
