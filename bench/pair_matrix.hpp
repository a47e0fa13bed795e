#pragma once
// The node-pair matrix measurement: one rank per node (its local rank 0), every pair of nodes
// ping-pongs a small message (latency) and a large one (bandwidth), in rounds of disjoint pairs
// (patterns/pair_schedule.hpp) so that pairs measured together never share a node. Used by
// `meshbench pairs` and `meshbench accept`.

#include <cstdint>
#include <functional>
#include <vector>

#include "bench/communicator.hpp"
#include "bench/harness.hpp"
#include "bench/topology.hpp"

namespace meshbench {

struct PairMeasurement {
  int node_a = 0, node_b = 0;  ///< node_a < node_b
  int round = 0;
  double latency_us_p50 = 0, latency_us_min = 0;  ///< one way: round trip / 2
  double bandwidth_time_us_p50 = 0;               ///< one way, of bandwidth_bytes
  double bw_GBps = 0;                             ///< bandwidth_bytes / that time
};

/// Collective over `world` (every rank calls it; ranks other than node leaders wait). Each pair's
/// two sizes are ping_pong points (bench/collectives: one way = round trip / 2) measured by the
/// harness on a communicator of the pair, with `settings` (fixed or adaptive). Sizes are
/// rounded down to whole float32 elements (at least one). `on_round` runs on world rank 0 with
/// each round's rows as soon as the round ends. Returns every row on world rank 0, nothing
/// elsewhere. After the round in which any rank received SIGINT or SIGTERM (its rows reported),
/// throws Interrupted on every rank.
std::vector<PairMeasurement> measure_pair_matrix(
    Communicator& world, const Topology& topo, std::uint64_t latency_bytes,
    std::uint64_t bandwidth_bytes, const MeasureSettings& settings,
    const std::function<void(const std::vector<PairMeasurement>&)>& on_round = {});

/// Median bandwidth of the pairs each node is part of, by node index.
std::vector<double> node_median_bandwidth(const std::vector<PairMeasurement>& rows, int nodes);

}  // namespace meshbench
