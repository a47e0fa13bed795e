#pragma once
// What a node is made of, from hwloc: cores, NUMA nodes, and the GPUs and NICs it sees.
// Recorded in run.json so a result can be read against the machine that produced it.

#include <nlohmann/json.hpp>

namespace meshbench {

/// hwloc facts of the calling process's machine, as JSON:
///   {"hwloc": "2.9.0", "packages": N, "cores": N, "pus": N, "numa_nodes": N,
///    "gpus": [names], "nics": [{"name", "kind"}]}
/// GPUs are hwloc OS devices of type GPU or co-processor; NICs are network and OpenFabrics
/// devices (loopback excluded). On a hwloc failure: {"error": "..."}; never throws.
nlohmann::json discover_hardware();

}  // namespace meshbench
