#include "patterns/mesh.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <map>

namespace meshbench {
namespace {

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(sep, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

std::string known_axes() {
  std::string s;
  for (MeshAxis a : kAllMeshAxes) s += fmt::format("{}{}", s.empty() ? "" : ", ", axis_name(a));
  return s;
}

}  // namespace

std::string_view axis_name(MeshAxis axis) {
  switch (axis) {
    case MeshAxis::kTp: return "tp";
    case MeshAxis::kCp: return "cp";
    case MeshAxis::kEp: return "ep";
    case MeshAxis::kDp: return "dp";
    case MeshAxis::kPp: return "pp";
  }
  return "?";
}

std::optional<MeshAxis> parse_axis(std::string_view name) {
  for (MeshAxis a : kAllMeshAxes) {
    if (axis_name(a) == name) return a;
  }
  return std::nullopt;
}

int MeshSizes::product() const {
  // The search calls this for every layout: the text is built only to throw.
  auto shown = [&] {
    std::string s;
    for (MeshAxis a : kAllMeshAxes) s += fmt::format("{}{}={}", s.empty() ? "" : ",", axis_name(a), (*this)[a]);
    return "mesh " + s;
  };
  for (int s : size) {
    if (s < 1) throw MeshError(fmt::format("{}: every size must be >= 1", shown()));
  }
  try {
    return static_cast<int>(checked_product({size[0], size[1], size[2], size[3], size[4]},
                                            kMaxMeshRanks, "mesh"));
  } catch (const InputError&) {
    // Rebuilt with the sizes named: "mesh tp=..,..: a x b x ... exceeds 16777216 ranks".
    std::string factors;
    for (int s : size) factors += fmt::format("{}{}", factors.empty() ? "" : " x ", s);
    throw MeshError(fmt::format("{}: {} exceeds {} ranks", shown(), factors, kMaxMeshRanks));
  }
}

MeshSizes parse_mesh_sizes(std::string_view text, std::string_view flag) {
  if (text.empty()) throw MeshError(fmt::format("{}: empty (expected e.g. tp=2,dp=2)", flag));
  MeshSizes sizes;
  std::array<bool, kAllMeshAxes.size()> seen{};
  for (std::string_view item : split(text, ',')) {
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      throw MeshError(fmt::format("{}: '{}' is not axis=size (e.g. tp=2)", flag, item));
    }
    const std::string_view name = item.substr(0, eq), value = item.substr(eq + 1);
    const auto axis = parse_axis(name);
    if (!axis) {
      throw MeshError(fmt::format("{}: unknown axis '{}' (known: {})", flag, name, known_axes()));
    }
    int n = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || end != value.data() + value.size() || n < 1) {
      throw MeshError(fmt::format("{}: size of {} must be a positive integer, got '{}'", flag,
                                  name, value));
    }
    if (seen[static_cast<std::size_t>(*axis)]) {
      throw MeshError(fmt::format("{}: axis '{}' is given twice", flag, name));
    }
    seen[static_cast<std::size_t>(*axis)] = true;
    sizes[*axis] = n;
  }
  try {
    sizes.product();
  } catch (const MeshError&) {
    throw MeshError(fmt::format("{} {}: the product of the sizes exceeds {} ranks", flag, text,
                                kMaxMeshRanks));
  }
  return sizes;
}

std::string format_mesh_sizes(const MeshSizes& sizes) {
  std::string s;
  for (MeshAxis a : kMegatronOrder) {
    if (sizes[a] > 1) s += fmt::format("{}{}={}", s.empty() ? "" : ",", axis_name(a), sizes[a]);
  }
  return s.empty() ? "tp=1" : s;
}

MeshOrder parse_mesh_order(std::string_view text) {
  if (text == "megatron") return kMegatronOrder;
  bool slowest_first = false;
  std::string_view list = text;
  if (text == "torchtitan") {
    list = "pp-dp-ep-cp-tp";
    slowest_first = true;
  } else if (text.rfind("torchtitan:", 0) == 0) {
    list = text.substr(std::string_view("torchtitan:").size());
    slowest_first = true;
  }
  if (list.empty()) {
    throw MeshError(fmt::format("--order: empty list in '{}' (expected e.g. tp-dp-pp, megatron "
                                "or torchtitan)", text));
  }
  std::vector<MeshAxis> listed;
  for (std::string_view name : split(list, '-')) {
    const auto axis = parse_axis(name);
    if (!axis) {
      throw MeshError(fmt::format("--order: unknown axis or order name '{}' in '{}' (axes: {}; "
                                  "names: megatron, torchtitan)", name, text, known_axes()));
    }
    if (std::find(listed.begin(), listed.end(), *axis) != listed.end()) {
      throw MeshError(fmt::format("--order: axis '{}' is given twice in '{}'", name, text));
    }
    listed.push_back(*axis);
  }
  if (slowest_first) std::reverse(listed.begin(), listed.end());
  // Unlisted axes follow in Megatron's relative order; they only matter if their size is > 1.
  for (MeshAxis a : kMegatronOrder) {
    if (std::find(listed.begin(), listed.end(), a) == listed.end()) listed.push_back(a);
  }
  MeshOrder order{};
  std::copy(listed.begin(), listed.end(), order.begin());
  return order;
}

std::string format_mesh_order(const MeshOrder& order) {
  std::string s;
  for (MeshAxis a : order) s += fmt::format("{}{}", s.empty() ? "" : "-", axis_name(a));
  return s;
}

namespace {

/// Placement from the count of the group's ranks on each node it touches.
GroupPlacement placement_of(const std::map<int, int>& per_node) {
  GroupPlacement p;
  p.nodes = static_cast<int>(per_node.size());
  p.inter = p.nodes > 1;
  p.ranks_per_node = 0;
  for (const auto& [node, n] : per_node) p.ranks_per_node = std::max(p.ranks_per_node, n);
  p.even = std::all_of(per_node.begin(), per_node.end(),
                       [&](const auto& kv) { return kv.second == p.ranks_per_node; });
  return p;
}

}  // namespace

GroupPlacement classify_group(const std::vector<int>& group,
                              const std::vector<int>& node_of_rank) {
  std::map<int, int> per_node;  // node -> ranks of the group on it
  for (int r : group) ++per_node[node_of_rank.at(static_cast<std::size_t>(r))];
  return placement_of(per_node);
}

GroupPlacement classify_group(const std::vector<int>& group, int ranks_per_node) {
  if (ranks_per_node < 1) {
    throw MeshError(fmt::format("ranks per node must be >= 1, got {}", ranks_per_node));
  }
  if (!std::is_sorted(group.begin(), group.end())) {
    std::vector<int> sorted = group;
    std::sort(sorted.begin(), sorted.end());
    return classify_group(sorted, ranks_per_node);
  }
  // Sorted ranks: a node's ranks are one run. One pass, no map (the planner's search calls this
  // for thousands of layouts of up to millions of ranks).
  GroupPlacement p;
  p.nodes = 0;
  p.ranks_per_node = 0;
  int first_run = -1;
  for (std::size_t i = 0; i < group.size();) {
    const long long node_end = (static_cast<long long>(group[i]) / ranks_per_node + 1) * ranks_per_node;
    std::size_t j = i + 1;
    while (j < group.size() && group[j] < node_end) ++j;
    const int run = static_cast<int>(j - i);
    ++p.nodes;
    p.ranks_per_node = std::max(p.ranks_per_node, run);
    if (first_run < 0) first_run = run;
    p.even = p.even && run == first_run;
    i = j;
  }
  p.nodes = std::max(p.nodes, 1);
  p.inter = p.nodes > 1;
  return p;
}

DeviceMesh::DeviceMesh(const MeshSizes& sizes, const MeshOrder& order, int world_size)
    : sizes_(sizes), order_(order), world_size_(world_size) {
  if (sizes.product() != world_size) {
    throw MeshError(fmt::format("--mesh {} has {} ranks, the job has {}", format_mesh_sizes(sizes),
                                sizes.product(), world_size));
  }
  int stride = 1;
  for (MeshAxis a : order_) {
    stride_[static_cast<std::size_t>(a)] = stride;
    stride *= sizes_[a];
  }
}

std::array<int, kAllMeshAxes.size()> DeviceMesh::coords(int rank) const {
  std::array<int, kAllMeshAxes.size()> c{};
  for (MeshAxis a : order_) {
    c[static_cast<std::size_t>(a)] = rank % sizes_[a];
    rank /= sizes_[a];
  }
  return c;
}

int DeviceMesh::rank_of(const std::array<int, kAllMeshAxes.size()>& coords) const {
  int rank = 0;
  for (MeshAxis a : kAllMeshAxes) {
    rank += coords[static_cast<std::size_t>(a)] * stride_[static_cast<std::size_t>(a)];
  }
  return rank;
}

int DeviceMesh::group_index(int rank, MeshAxis axis) const {
  return group_index(rank, std::vector<MeshAxis>{axis});
}

std::vector<std::vector<int>> DeviceMesh::groups(MeshAxis axis) const {
  return groups(std::vector<MeshAxis>{axis});
}

int DeviceMesh::group_index(int rank, const std::vector<MeshAxis>& axes) const {
  // Mixed radix over the other axes, fastest first: increases with the group's lowest rank.
  const auto c = coords(rank);
  int index = 0, scale = 1;
  for (MeshAxis a : order_) {
    if (std::find(axes.begin(), axes.end(), a) != axes.end()) continue;
    index += c[static_cast<std::size_t>(a)] * scale;
    scale *= sizes_[a];
  }
  return index;
}

std::vector<int> DeviceMesh::group_of(int rank, const std::vector<MeshAxis>& axes) const {
  // The rank with coordinate 0 on every axis of the group, then every combination of
  // coordinates on those axes.
  auto c = coords(rank);
  for (MeshAxis a : axes) c[static_cast<std::size_t>(a)] = 0;
  std::vector<int> ranks = {rank_of(c)};
  for (MeshAxis a : order_) {
    if (std::find(axes.begin(), axes.end(), a) == axes.end()) continue;
    const std::size_t before = ranks.size();
    for (int k = 1; k < sizes_[a]; ++k) {
      for (std::size_t i = 0; i < before; ++i) {
        ranks.push_back(ranks[i] + k * stride_[static_cast<std::size_t>(a)]);
      }
    }
  }
  // Already in rank order: each axis's stride exceeds the extent of the axes before it.
  return ranks;
}

std::vector<std::vector<int>> DeviceMesh::groups(const std::vector<MeshAxis>& axes) const {
  int n = 1;
  for (MeshAxis a : axes) n *= sizes_[a];
  std::vector<std::vector<int>> out(static_cast<std::size_t>(world_size_ / n));
  for (int r = 0; r < world_size_; ++r) {
    out[static_cast<std::size_t>(group_index(r, axes))].push_back(r);
  }
  // Ranks arrive in increasing order; for one axis that is increasing coordinate on it.
  return out;
}

}  // namespace meshbench
