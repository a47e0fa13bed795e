#pragma once
// The units `meshbench pattern` executes, and `meshbench accept` checks: one training step's
// traffic of each axis (patterns/traffic) on the device mesh, all groups at once, with the
// table's message sizes (or scaled), call counts and order. A unit is one traffic row (a
// collective called `calls` times per step) or, for pp, the whole 1F1B schedule. Every unit's
// communicator counts what this rank hands the backend, so the bytes can be checked against the
// table; every unit's output is verified.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench/communicator.hpp"
#include "bench/counting_communicator.hpp"
#include "bench/executor.hpp"
#include "bench/harness.hpp"
#include "bench/topology.hpp"
#include "patterns/mesh.hpp"
#include "patterns/traffic.hpp"

namespace meshbench {

/// The axes in the order their units run.
inline constexpr const char* kPatternAxisOrder[] = {"tp", "cp", "ep", "pp", "dp", "zero", "emb"};

/// One unit the executor times: a traffic row, or the whole 1F1B schedule for pp.
struct PatternUnit {
  std::string axis, phase;
  CollectiveOp op = CollectiveOp::kSendRecv;
  ElementCounts counts;          ///< per call, float32, after scaling and rounding
  long long calls = 0;           ///< per step (pp: micro-batches x chunks)
  std::vector<MeshAxis> group_axes;
  int group_size = 1;
  std::string what;
  Communicator* comm = nullptr;  ///< this rank's group (counting)
  /// This rank is in none of the unit's groups (a middle stage for the pipeline's ends): it
  /// times nothing and keeps step with the others.
  bool idle = false;
  int groups = 1;                ///< groups of the unit that run at once
  std::string tier;              ///< the tier shared by all groups ("mixed" otherwise)
  int max_nodes = 1, max_ranks_per_node = 1;
  Measurement measured;            ///< per step of this unit, max over ranks
  ByteCounts counted;              ///< what this rank handed the backend over all steps...
  std::uint64_t steps = 0;         ///< ...warm-up and timed
  std::uint64_t wrong = 0;         ///< wrong output elements on this rank
};

/// The units of one step and the communicators they run on. Not movable: the communicators
/// count into `counted`.
struct PatternUnits {
  PatternUnits() = default;
  PatternUnits(const PatternUnits&) = delete;
  PatternUnits& operator=(const PatternUnits&) = delete;

  ByteCounts counted;
  std::map<std::string, std::unique_ptr<Communicator>> comms;  ///< one per group shape
  std::vector<PatternUnit> units;                              ///< in execution order
};

/// Builds the units of `rows` (step_traffic rows) on `mesh`, in kPatternAxisOrder, with
/// message sizes multiplied by `scale` (executed_counts). Splits `comm` once per group shape:
/// collective over `comm`'s ranks.
std::unique_ptr<PatternUnits> make_pattern_units(const std::vector<TrafficRow>& rows,
                                                 const DeviceMesh& mesh, const Topology& topo,
                                                 Communicator& comm, double scale);

/// Measures one unit with the harness (every group at once, one barrier per step) and verifies
/// what it delivered: a collective row's last output against its op's expected values; for
/// 1F1B, every stage but the first must hold stage 0's activations and every stage but the
/// last the last stage's gradients. Collective over `world`. Throws what the harness throws.
void measure_pattern_unit(PatternUnit& u, Communicator& world, Executor& exec,
                          const MeasureSettings& settings, const ByteCounts& counted);

/// Bytes this rank must send and receive in one step of `u` (the table, rank-exact).
ByteCounts expected_bytes(const PatternUnit& u);

/// Each axis's time per step: the sum of its units' p50 (microseconds).
std::map<std::string, double> axis_step_us(const std::vector<PatternUnit>& units);

}  // namespace meshbench
