#include "bench/profile_plan.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "patterns/mesh.hpp"

namespace meshbench {
namespace {

std::uint64_t pow2_floor(double x) {
  std::uint64_t p = 1;
  while (static_cast<double>(p) * 2 <= x && p < (std::uint64_t{1} << 40)) p *= 2;
  return p;
}

std::uint64_t pow2_ceil(double x) {
  std::uint64_t p = 1;
  while (static_cast<double>(p) < x && p < (std::uint64_t{1} << 40)) p *= 2;
  return p;
}

}  // namespace

std::vector<ProfileSweep> profile_sweeps(const TrafficInputs& in, std::vector<std::string>& skipped,
                                         double bracket) {
  std::vector<ProfileSweep> out;
  std::vector<std::pair<double, double>> range;  // smallest and largest call per sweep
  for (const TrafficRow& r : step_traffic(in)) {
    const std::string label = fmt::format("{} {}: {}", r.axis, r.phase, r.what);
    // Axes of size 1 do not shape the groups (dp x cp with cp = 1 is dp's groups).
    std::vector<MeshAxis> spanned;
    for (MeshAxis a : r.group_axes) {
      if (in.layout[a] > 1) spanned.push_back(a);
    }
    if (spanned.empty()) continue;  // groups of one rank: nothing crosses a link
    if (spanned.size() != 1) {
      std::vector<std::string> names;
      for (MeshAxis a : spanned) names.emplace_back(axis_name(a));
      skipped.push_back(fmt::format("{} (groups over {}: a sweep runs on one axis's groups)",
                                    label, fmt::join(names, " x ")));
      continue;
    }
    const std::string axis(axis_name(spanned.front()));
    auto it = std::find_if(out.begin(), out.end(), [&](const ProfileSweep& s) { return s.axis == axis; });
    if (it == out.end()) {
      out.push_back(ProfileSweep{axis, {}, 0, 0, {}});
      range.emplace_back(r.bytes_per_call, r.bytes_per_call);
      it = out.end() - 1;
    }
    auto& [lo, hi] = range[static_cast<std::size_t>(it - out.begin())];
    lo = std::min(lo, r.bytes_per_call);
    hi = std::max(hi, r.bytes_per_call);
    const std::string op(op_name(r.op));
    if (std::find(it->ops.begin(), it->ops.end(), op) == it->ops.end()) it->ops.push_back(op);
    it->rows.push_back(label);
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i].min_bytes = std::max<std::uint64_t>(1024, pow2_floor(range[i].first / bracket));
    out[i].max_bytes = std::max(out[i].min_bytes * 4, pow2_ceil(range[i].second * bracket));
  }
  return out;
}

}  // namespace meshbench
