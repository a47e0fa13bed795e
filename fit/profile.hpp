#pragma once
// The cluster profile: fitted alpha-beta parameters per (op, tier, k x g) and size regime,
// turned into per-link parameters by the algorithm assumed (patterns/collective_cost.hpp), with
// provenance. Schema "meshbench.profile/1" in results/README.md. `meshfit predict` and the MFU
// planner read it.

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fit/gemm_calibration.hpp"
#include "fit/importers/import.hpp"
#include "fit/series_fit.hpp"
#include "patterns/collective_cost.hpp"

namespace meshbench::fit {

/// One size regime of one entry.
struct ProfileRegime {
  double bytes_min = 0, bytes_max = 0;
  double alpha_us = 0;            ///< of the whole collective on the entry's ranks
  double beta_us_per_byte = 0;    ///< of the whole collective, per byte of nccl-tests size
  double link_alpha_us = 0;       ///< alpha_us / alpha_steps(algorithm, ranks)
  double link_beta_us_per_byte = 0;  ///< beta_us_per_byte / beta_fraction(algorithm, ranks)
};

/// One (op, tier, k x g, concurrency) series of the profile.
struct ProfileEntry {
  std::string op, dtype, tier;
  int ranks = 1, nodes = 1, ranks_per_node = 1;
  /// Groups of this shape that ran at once on each node, sharing its links (1: the world, or
  /// one group at a time; a mesh sweep's groups run at once).
  int concurrent_groups = 1;
  std::string group;  ///< the measured series: "all", "world", "dp[all]@tp-dp", ...
  Algorithm algorithm = Algorithm::kRing;
  std::string source;
  std::vector<ProfileRegime> regimes;  ///< increasing sizes
  /// "all_reduce inter 2x8 (16 ranks)", plus " x2 at once" when concurrent_groups > 1
  std::string label() const;
};

struct Profile {
  std::string file;  ///< where it was read from (read_profile), for messages; "" when built in memory
  std::vector<ProfileEntry> entries;
  std::optional<ComputeCalibration> compute;  ///< from `meshfit fit --gemm` (meshbench gemm)
};

/// What --algorithm asks: one algorithm for every op, or one per op; neither: the default of
/// the library that measured each series (default_algorithm).
struct AlgorithmRequest {
  std::optional<Algorithm> every_op;
  std::map<CollectiveOp, Algorithm> per_op;
};

/// Parses --algorithm: "" (none), one name ("ring"), or a list "all_reduce=recursive_doubling,
/// all_gather=ring" (spaces around items allowed; ops in any spelling parse_op takes). Throws
/// InputError for an item without '=', an unknown op or algorithm, an algorithm without steps
/// for its op (tree all_gather), or an op named twice.
AlgorithmRequest parse_algorithm_request(const std::string& text);

/// The profile document of the fitted series, with provenance from `tables`: every aggregate
/// series ("all", "world", and each mesh axis's max over its groups "AXIS[all]@ORDER", isolated
/// or all at once), each with its concurrency. Of two series with one lookup key (op, tier,
/// ranks, k x g, concurrency), e.g. one axis measured under two orders that place it alike, the
/// first is kept and the other named in the document's "notes". `algorithm` is --algorithm
/// (parse_algorithm_request, checked before anything is fitted).
/// `compute`, when given, becomes the profile's "compute" object.
nlohmann::json make_profile(const std::vector<SeriesFit>& fits,
                            const std::vector<ImportedTable>& tables,
                            const std::string& algorithm = "",
                            const std::optional<ComputeCalibration>& compute = std::nullopt);

/// Reads a profile file. Throws InputError naming the file and the bad field.
Profile read_profile(const std::filesystem::path& file);

struct Prediction {
  double time_us = 0, algbw_GBps = 0, busbw_GBps = 0;
  std::size_t regime = 0;      ///< index into the entry's regimes
  bool extrapolated = false;   ///< bytes outside every regime's measured range
  std::string algorithm;       ///< as used ("two_level" or an Algorithm name)
  const ProfileEntry* entry = nullptr;  ///< the entry the link parameters came from
  const ProfileEntry* intra_entry = nullptr;  ///< two_level only: the intra-node entry
  /// How the entry was made to fit: "" when it matches the placement and concurrency asked,
  /// else what was scaled ("from ... measured with 1 group per node: the inter link shared by
  /// 2 groups at once").
  std::string note;
};

/// Time of `op` on `bytes` (nccl-tests size) over `ranks` ranks on `nodes` nodes, while
/// `concurrent_groups` groups of the same shape run at once on each node (all groups of a mesh
/// axis do in a training step), from the entry of the same op and tier (nodes > 1: inter) whose
/// ranks per node is closest to ranks / nodes, then closest in ranks, then in concurrency. The
/// regime's intercept moves to `ranks` as its algorithm says (scaled_intercept_us: a
/// latency-bound regime's is the per-step latency, whose estimate for a pipelined ring's fill
/// is the latency-bound regime's link_alpha_us, its intercept over the ring's steps) and its
/// per-byte cost with the algorithm's beta_fraction; across nodes, a per-byte cost measured
/// with c' groups at once is scaled by concurrent_groups / c' (the node's link shared by the
/// flows that cross it), and the Prediction's note says so, as it says when a latency-bound
/// all_reduce across nodes was moved with the tree's steps. `algorithm` "two_level" (all_reduce
/// across nodes) takes the intra link from the intra entry and the inter link from the inter
/// entry minus its intra phases, both as store-and-forward per-step latencies whatever the
/// entries' algorithm.
/// Throws InputError when the profile has no entry for the op and tier, or the two-level
/// split leaves a non-positive inter cost.
Prediction predict(const Profile& profile, CollectiveOp op, double bytes, int ranks, int nodes,
                   const std::string& algorithm = "", int concurrent_groups = 1);

}  // namespace meshbench::fit
