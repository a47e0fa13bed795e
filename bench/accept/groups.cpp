#include "bench/accept/groups.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <stdexcept>

namespace meshbench {

std::vector<int> local_ranks(const Topology& topo) {
  std::vector<int> seen(static_cast<std::size_t>(topo.nodes), 0), local;
  local.reserve(topo.node_of_rank.size());
  for (int node : topo.node_of_rank) local.push_back(seen[static_cast<std::size_t>(node)]++);
  return local;
}

GroupAssignment scope_groups(const Topology& topo, CheckScope scope) {
  GroupAssignment a;
  const std::vector<int> local = local_ranks(topo);
  switch (scope) {
    case CheckScope::kNode:
      a.group_of_rank = topo.node_of_rank;
      for (int n = 0; n < topo.nodes; ++n) {
        a.names.push_back("node " + topo.node_hosts[static_cast<std::size_t>(n)]);
        a.node_of_group.push_back(n);
      }
      break;
    case CheckScope::kRail:
      a.group_of_rank = local;
      for (int r = 0; r < topo.ranks_per_node; ++r) a.names.push_back(fmt::format("rail {}", r));
      break;
    case CheckScope::kAll:
      a.group_of_rank.assign(topo.node_of_rank.size(), 0);
      a.names.push_back("all");
      break;
  }
  return a;
}

GroupAssignment bisection_groups(const Topology& topo, const std::vector<BisectionLane>& lanes) {
  GroupAssignment a;
  a.group_of_rank.assign(topo.node_of_rank.size(), -1);
  const std::vector<int> local = local_ranks(topo);
  for (const BisectionLane& lane : lanes) {
    for (const std::vector<int>& nodes : lane.node_sets) {
      const int g = static_cast<int>(a.names.size());
      a.names.push_back(fmt::format("{} nodes {}", lane.name, nodes));
      for (std::size_t r = 0; r < a.group_of_rank.size(); ++r) {
        const bool on_node = std::find(nodes.begin(), nodes.end(), topo.node_of_rank[r]) != nodes.end();
        const bool in_lane = std::find(lane.local_ranks.begin(), lane.local_ranks.end(), local[r]) !=
                             lane.local_ranks.end();
        if (!on_node || !in_lane) continue;
        if (a.group_of_rank[r] >= 0) {
          throw std::invalid_argument(fmt::format("bisection_groups: rank {} is in two groups", r));
        }
        a.group_of_rank[r] = g;
      }
    }
  }
  return a;
}

}  // namespace meshbench
