#include "fit/compare_tables.hpp"

#include <fmt/format.h>

#include <map>
#include <set>
#include <tuple>

#include "fit/alpha_beta.hpp"
#include "fit/csv_table.hpp"

namespace meshbench::fit {
namespace {

using Key = std::tuple<std::string, std::string, int, int, int>;  // op, dtype, ranks, k, g

bool is_aggregate(const std::string& group) {
  return group == "all" || group == "world" || group.find("[all]") != std::string::npos;
}

/// Per series, per size: the times of every row (repetitions).
std::map<Key, std::map<std::uint64_t, std::vector<double>>> by_series(
    const std::vector<Measurement>& ms, std::map<Key, double>& factor) {
  std::map<Key, std::map<std::uint64_t, std::vector<double>>> out;
  for (const Measurement& m : ms) {
    if (!is_aggregate(m.group)) continue;
    const Key k{m.op, m.dtype, m.ranks, m.nodes, m.ranks_per_node};
    out[k][m.bytes].push_back(m.time_us);
    factor[k] = m.busbw_factor;
  }
  return out;
}

std::string describe(const std::map<Key, std::map<std::uint64_t, std::vector<double>>>& s) {
  std::string text;
  for (const auto& [k, sizes] : s) {
    text += fmt::format("{}{} {} {} ranks ({} x {})", text.empty() ? "" : "; ", std::get<0>(k),
                        std::get<1>(k), std::get<2>(k), std::get<3>(k), std::get<4>(k));
  }
  return text.empty() ? "nothing" : text;
}

}  // namespace

std::string SeriesComparison::label() const {
  return fmt::format("{} {} {} ranks ({} x {})", op, dtype, ranks, nodes, ranks_per_node);
}

std::vector<SeriesComparison> compare_measurements(const std::vector<Measurement>& candidate,
                                                   const std::vector<Measurement>& reference,
                                                   std::uint64_t large_from_bytes) {
  std::map<Key, double> factor;
  const auto cand = by_series(candidate, factor);
  const auto ref = by_series(reference, factor);
  std::vector<SeriesComparison> out;
  for (const auto& [key, cand_sizes] : cand) {
    const auto r = ref.find(key);
    if (r == ref.end()) continue;
    SeriesComparison s;
    std::tie(s.op, s.dtype, s.ranks, s.nodes, s.ranks_per_node) = key;
    std::vector<double> ratios, large;
    for (const auto& [bytes, times] : cand_sizes) {
      const auto rt = r->second.find(bytes);
      if (rt == r->second.end()) continue;
      ComparedPoint p{bytes, median(times), median(rt->second), factor[key]};
      ratios.push_back(p.ratio());
      if (bytes >= large_from_bytes) large.push_back(p.ratio());
      s.points.push_back(p);
    }
    if (s.points.empty()) continue;
    s.median_ratio = median(ratios);
    s.large_points = large.size();
    s.median_ratio_large = large.empty() ? 0 : median(large);
    out.push_back(std::move(s));
  }
  if (out.empty()) {
    throw InputError(fmt::format("no series and size measured by both: the candidate holds {}; "
                                 "the reference holds {}", describe(cand), describe(ref)));
  }
  return out;
}

}  // namespace meshbench::fit
