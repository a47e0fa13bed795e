#pragma once
// The device mesh of a parallel layout: rank <-> coordinates -> the groups of each axis -> the
// link tier each group crosses. Pure maths, no MPI (DESIGN.md rule 5: one tested function, as
// astra-sim's translate_address).
//
// Order convention (Megatron-LM, megatron/core/parallel_state.py RankGenerator): the order
// string lists axes from fastest varying to slowest, so the first axis is the most local:
// with "tp-cp-ep-dp-pp", ranks 0..tp-1 form the first TP group. torchtitan builds its
// DeviceMesh the other way round (init_device_mesh dims listed slowest first, the last dim is
// contiguous), so "torchtitan:pp-dp-cp-tp" names the same placement as "tp-cp-dp-pp".

#include <array>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "patterns/input_error.hpp"

namespace meshbench {

/// Parallelism axes: tensor, context (ring attention), expert, data, pipeline.
enum class MeshAxis { kTp, kCp, kEp, kDp, kPp };

inline constexpr std::array<MeshAxis, 5> kAllMeshAxes = {MeshAxis::kTp, MeshAxis::kCp,
                                                         MeshAxis::kEp, MeshAxis::kDp,
                                                         MeshAxis::kPp};

/// "tp", "cp", "ep", "dp", "pp".
std::string_view axis_name(MeshAxis axis);
/// Inverse of axis_name; nullopt for anything else.
std::optional<MeshAxis> parse_axis(std::string_view name);

/// Thrown for a malformed mesh or order, with a message naming the flag and the bad value.
class MeshError : public InputError {
 public:
  using InputError::InputError;
};

/// The most ranks a mesh may have (2^24, ten times the largest published job): products of mesh
/// sizes and per-rank counts stay far inside 64 bits, and a size that would wrap an int is refused.
inline constexpr long long kMaxMeshRanks = 1LL << 24;

/// Axis sizes, e.g. from "tp=2,dp=4". Axes not named have size 1.
struct MeshSizes {
  std::array<int, kAllMeshAxes.size()> size{1, 1, 1, 1, 1};
  int operator[](MeshAxis a) const { return size[static_cast<std::size_t>(a)]; }
  int& operator[](MeshAxis a) { return size[static_cast<std::size_t>(a)]; }
  /// The number of ranks. Throws MeshError when a size is below 1 or the product exceeds
  /// kMaxMeshRanks (computed without wrapping).
  int product() const;
};

/// Parses "tp=2,dp=2[,pp=..,cp=..,ep=..]". Throws MeshError, whose message starts with `flag`,
/// on an unknown axis, an axis given twice, a size that is not a positive integer, a product of
/// sizes above kMaxMeshRanks, or an empty string.
MeshSizes parse_mesh_sizes(std::string_view text, std::string_view flag = "--mesh");

/// Canonical "tp=2,dp=4" (axes of size > 1 in Megatron order; "tp=1" when all are 1).
std::string format_mesh_sizes(const MeshSizes& sizes);

/// Axis order, fastest varying (most local) first; always holds all five axes.
using MeshOrder = std::array<MeshAxis, kAllMeshAxes.size()>;

/// Megatron-LM's order, tp-cp-ep-dp-pp (what parse_mesh_order("megatron") returns).
inline constexpr MeshOrder kMegatronOrder = {MeshAxis::kTp, MeshAxis::kCp, MeshAxis::kEp,
                                             MeshAxis::kDp, MeshAxis::kPp};

/// Parses an order: "megatron" (= tp-cp-ep-dp-pp), "torchtitan" (torchtitan's pp-dp-cp-ep-tp,
/// slowest first, i.e. the same placement), an explicit fastest-first list "tp-dp-pp", or
/// "torchtitan:pp-dp-tp" (an explicit slowest-first list). Axes left out of an explicit list
/// keep Megatron's relative order after the listed ones. Throws MeshError on an unknown name or
/// axis, or an axis given twice.
MeshOrder parse_mesh_order(std::string_view text);

/// "tp-cp-ep-dp-pp" style, fastest first, all five axes.
std::string format_mesh_order(const MeshOrder& order);

/// Whether `name` is one of the tier names GroupPlacement::tier() gives ("intra", "inter").
inline bool is_tier_name(std::string_view name) { return name == "intra" || name == "inter"; }

/// Where the ranks of one group live.
struct GroupPlacement {
  bool inter = false;    ///< true when the group spans more than one node
  int nodes = 1;         ///< k: nodes the group spans
  int ranks_per_node = 1;  ///< g: most ranks of the group on any one node
  bool even = true;      ///< every spanned node holds exactly g ranks of the group
  /// "intra" or "inter" (the tier names of DESIGN.md).
  std::string_view tier() const { return inter ? "inter" : "intra"; }
};

/// Classifies `group` (world ranks) given node_of_rank[world rank] -> node index.
/// Throws std::out_of_range for a rank outside node_of_rank.
GroupPlacement classify_group(const std::vector<int>& group, const std::vector<int>& node_of_rank);

/// The same for ranks placed on nodes in blocks of `ranks_per_node` (node = rank /
/// ranks_per_node: mpiexec -ppn, Slurm's block distribution, and the planner's assumption), in
/// O(group size) without a node_of_rank table. Throws MeshError for ranks_per_node < 1.
GroupPlacement classify_group(const std::vector<int>& group, int ranks_per_node);

/// The device mesh: world size = product of the axis sizes.
class DeviceMesh {
 public:
  /// Throws MeshError when sizes.product() != world_size (naming both).
  DeviceMesh(const MeshSizes& sizes, const MeshOrder& order, int world_size);

  int world_size() const { return world_size_; }
  const MeshSizes& sizes() const { return sizes_; }
  const MeshOrder& order() const { return order_; }

  /// Coordinate of `rank` along each axis (indexed by MeshAxis). rank in [0, world_size).
  std::array<int, kAllMeshAxes.size()> coords(int rank) const;
  /// Inverse of coords.
  int rank_of(const std::array<int, kAllMeshAxes.size()>& coords) const;

  /// The groups of `axis`: sizes()[axis] ranks each, world_size / that many groups. Group g
  /// holds the ranks that share all other coordinates; groups are numbered by their lowest
  /// rank, and ranks inside a group are ordered by their coordinate on `axis`.
  std::vector<std::vector<int>> groups(MeshAxis axis) const;
  /// Index of the group of `axis` that holds `rank` (into groups(axis)).
  int group_index(int rank, MeshAxis axis) const;

  /// Groups spanning several axes at once (e.g. dp x cp for gradient reduction): ranks that
  /// share every coordinate outside `axes`, in rank order, numbered by their lowest rank.
  std::vector<std::vector<int>> groups(const std::vector<MeshAxis>& axes) const;
  int group_index(int rank, const std::vector<MeshAxis>& axes) const;
  /// The one group of `axes` that holds `rank`, in rank order: groups(axes)[group_index(rank,
  /// axes)] in O(group size) instead of O(world size).
  std::vector<int> group_of(int rank, const std::vector<MeshAxis>& axes) const;

 private:
  MeshSizes sizes_;
  MeshOrder order_;
  int world_size_;
  std::array<int, kAllMeshAxes.size()> stride_{};  ///< rank stride of each axis
};

}  // namespace meshbench
