#pragma once
// `meshbench pairs`: the node-pair matrix. One rank per node (its local rank 0); every pair of
// nodes measures a small-message ping-pong (latency) and a large one (bandwidth); pairs run in
// rounds of disjoint pairs (patterns/pair_schedule.hpp) so that pairs measured together never
// share a node. Writes pairs.csv (schema in results/README.md) and prints both matrices; a slow
// node or link shows as a low row. scripts/plot.py draws the heatmaps.

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "bench/backends/mpi/mpi_runtime.hpp"
#include "bench/measure_flags.hpp"

namespace meshbench {

struct PairsOptions {
  std::string latency_bytes = "8";
  std::string bandwidth_bytes = "4M";
  MeasureFlags measure;  ///< -n/-w fixed (nccl-tests style), else the harness's adaptive stop
  std::string wait = "auto";
  std::string out_dir;  ///< empty = results/<time>-pairs-<K>nodes
};

CLI::App* add_pairs_command(CLI::App& app, PairsOptions& options);

/// Runs the matrix on all ranks of the job. Returns 0, or throws UsageError (bad input, fewer
/// than 2 nodes), MpiError or std::runtime_error.
int run_pairs(MpiRuntime& mpi, const PairsOptions& options,
              const std::vector<std::string>& command_line);

}  // namespace meshbench
