#pragma once
// Rounds of disjoint node pairs that together cover every pair once, so that pairs of one
// round can be measured at the same time without sharing a node (the node-pair matrix).

#include <utility>
#include <vector>

namespace meshbench {

/// The round-robin ("circle method") tournament schedule of `nodes` nodes: nodes - 1 rounds
/// when nodes is even, nodes rounds when odd (one node rests each round). Every pair (a, b),
/// a < b, appears in exactly one round and no node appears twice in a round.
/// nodes < 2 gives no rounds. Source: the standard round-robin scheduling algorithm (Berger
/// tables), fixing one node and rotating the others.
std::vector<std::vector<std::pair<int, int>>> pair_rounds(int nodes);

}  // namespace meshbench
