#pragma once
// Reads `meshbench sweep` results.csv (schema: results/README.md) into measurements.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace meshbench::fit {

/// One measured point: the time of one (op, dtype, ranks, placement, group, bytes, repetition),
/// from any importer (fit/importers/).
struct Measurement {
  std::string op;
  std::string dtype;
  int ranks = 1;
  std::string tier = "intra";  ///< "intra" (one node), "inter" (spans nodes) or "mixed"
  int nodes = 1;               ///< k: nodes the group spans
  int ranks_per_node = 1;      ///< g: most ranks of the group on one node
  std::string group;         ///< "all", or on a mesh "tp[all]@tp-cp-ep-dp-pp" (+ " isolated")
  /// Groups of this series that ran at once on each node (sharing its links): the job's ranks
  /// per node / g for a mesh run with all groups at once, 1 for the world or isolated groups.
  int concurrent_groups = 1;
  /// The library that ran it: "nccl" (NCCL or RCCL: meshbench's nccl backend, nccl-tests,
  /// rccl-tests, OSU's NCCL tests), "mpi", or "" when the file does not say. It chooses the
  /// algorithm the profile assumes (default_algorithm).
  std::string library;
  std::uint64_t bytes = 0;  ///< nccl-tests size
  double time_us = 0;       ///< the chosen time column (time_us_p50 by default)
  double busbw_factor = 1;
  std::size_t line = 0;     ///< where it came from (line, or index in a JSON list)
  std::string source;       ///< the file it came from
  /// Where in it, for the outputs' provenance: "FILE (nccl-tests 2.17.6 ...), lines 40-64".
  std::string origin;
};

/// Whether `group` names an aggregate series: the job ("all", "world") or a mesh axis's max
/// over its groups ("tp[all]@tp-dp", "dp[all]@dp-tp isolated"), not one group's own series.
bool aggregate_group(const std::string& group);

/// Reads a meshbench results.csv. Columns used: op, dtype, ranks, group, bytes, busbw_factor,
/// backend when present (the library), and
/// `time_column` (time_us_p50 by default; time_us_min or time_us_mean suit other questions);
/// tier, group_nodes and group_ranks_per_node when present (else from nodes and
/// ranks_per_node, the whole job's).
/// Throws InputError ("FILE:LINE: ...") for a missing column, a non-number, bytes or ranks that
/// are not positive integers, a time that is not > 0, an unknown op, duplicate (series, bytes,
/// repetition) rows, or a file with no data rows.
std::vector<Measurement> read_sweep_results(const std::filesystem::path& file,
                                            const std::string& time_column = "time_us_p50");

}  // namespace meshbench::fit
