#pragma once
// Which ranks form the groups of one acceptance measurement: a node's ranks, a rail (local rank
// r of every node), every rank, or the node sets of a bisection round. Pure: computed the same
// on every rank from the topology.

#include <string>
#include <vector>

#include "bench/accept/expectations.hpp"
#include "bench/topology.hpp"

namespace meshbench {

/// Groups measured at once. group_of_rank[r] is r's group in [0, names.size()), or -1 when r
/// sits the measurement out.
struct GroupAssignment {
  std::vector<int> group_of_rank;
  std::vector<std::string> names;  ///< "node HOST", "rail R", "all": the baseline's keys
  std::vector<int> node_of_group;  ///< for scope node: the node index of each group
};

/// Each rank's index among the ranks of its node, in world-rank order (as Topology::local_rank).
std::vector<int> local_ranks(const Topology& topo);

/// The groups of a check's scope: one per node, one per rail (local rank), or one of all ranks.
GroupAssignment scope_groups(const Topology& topo, CheckScope scope);

/// The groups of one bisection round: for each lane (a set of local ranks: one rail, or all of
/// them) and each of its two node sets, the ranks on those nodes with those local ranks.
/// Lanes must have disjoint local ranks; the node sets of one lane must be disjoint.
/// Throws std::invalid_argument otherwise (a rank would be in two groups).
struct BisectionLane {
  std::vector<int> local_ranks;
  std::vector<std::vector<int>> node_sets;
  std::string name;  ///< "all" or "rail R"
};
GroupAssignment bisection_groups(const Topology& topo, const std::vector<BisectionLane>& lanes);

}  // namespace meshbench
