#include "bench/accept/baseline.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "bench/stats.hpp"
#include "patterns/json_field.hpp"

namespace meshbench {
namespace {

constexpr double kMaxFigure = 1e12;  // GB/s or us: past it a figure is corrupt
constexpr long long kMaxRanks = 1 << 24;

GroupFigures read_figures(const JsonField& g) {
  GroupFigures f;
  for (const JsonField& a : g.at("attempts").elements()) f.attempts.push_back(a.number(0, kMaxFigure));
  if (f.attempts.empty()) g.at("attempts").fail("expected at least one attempt, got []");
  f.median = g.at("median").number(0, kMaxFigure);
  f.low = g.at("low").number(0, kMaxFigure);
  f.high = g.at("high").number(0, kMaxFigure);
  if (!(f.low <= f.median && f.median <= f.high)) {
    g.fail(fmt::format("expected low <= median <= high, got {} / {} / {}", f.low, f.median, f.high));
  }
  return f;
}

}  // namespace

GroupFigures group_figures(const std::vector<double>& attempts) {
  if (attempts.empty()) throw std::invalid_argument("group_figures: no attempts");
  GroupFigures f;
  f.attempts = attempts;
  f.median = summarize(attempts).p50;
  const auto [lo, hi] = std::minmax_element(attempts.begin(), attempts.end());
  f.low = *lo;
  f.high = *hi;
  return f;
}

nlohmann::json baseline_json(const Baseline& b) {
  nlohmann::json checks = nlohmann::json::object();
  for (const auto& [name, c] : b.checks) {
    nlohmann::json groups = nlohmann::json::object();
    for (const auto& [g, f] : c.groups) {
      groups[g] = {{"attempts", f.attempts}, {"median", f.median}, {"low", f.low}, {"high", f.high}};
    }
    checks[name] = {{"unit", c.unit}, {"groups", groups}};
    if (!c.skipped.empty()) checks[name]["skipped"] = c.skipped;
  }
  return {{"schema", "meshbench.baseline/1"}, {"created", b.created}, {"world_size", b.world_size},
          {"nodes", b.nodes}, {"ranks_per_node", b.ranks_per_node}, {"hosts", b.hosts},
          {"checks", checks}};
}

Baseline read_baseline(const std::string& file) {
  const nlohmann::json doc = read_json_file(file);
  const JsonField root(doc, file);
  root.require_schema("meshbench.baseline/1");
  Baseline b;
  b.file = file;
  b.world_size = static_cast<int>(root.at("world_size").integer(1, kMaxRanks));
  b.nodes = static_cast<int>(root.at("nodes").integer(1, kMaxRanks));
  b.ranks_per_node = static_cast<int>(root.at("ranks_per_node").integer(1, kMaxRanks));
  for (const JsonField& h : root.at("hosts").elements()) b.hosts.push_back(h.string());
  if (b.hosts.size() != static_cast<std::size_t>(b.nodes)) {
    root.at("hosts").fail(fmt::format("expected {} host names (nodes), got {}", b.nodes, b.hosts.size()));
  }
  if (const auto c = root.find("created")) b.created = c->string();
  for (const auto& [name, c] : root.at("checks").members()) {
    BaselineCheck check;
    const JsonField unit = c.at("unit");
    check.unit = unit.string();
    if (check.unit != "busbw_GBps" && check.unit != "time_us_p50") {
      unit.fail(fmt::format("expected \"busbw_GBps\" or \"time_us_p50\", got '{}'", check.unit));
    }
    for (const auto& [g, f] : c.at("groups").members()) check.groups[g] = read_figures(f);
    if (const auto skipped = c.find("skipped")) check.skipped = skipped->string();
    if (check.groups.empty() && check.skipped.empty()) {
      c.at("groups").fail("expected at least one group (or \"skipped\"), got {}");
    }
    b.checks[name] = std::move(check);
  }
  return b;
}

std::optional<BaselineReference> baseline_reference(const BaselineCheck& check,
                                                    const std::string& group) {
  if (const auto it = check.groups.find(group); it != check.groups.end()) {
    return BaselineReference{it->second, false};
  }
  if (group.rfind("node ", 0) != 0) return std::nullopt;
  // A node the baseline has not seen: the median node of the baseline, with the widest spread
  // any node showed (nodes of one model differ a little; a replaced node is not failed for it).
  std::vector<double> medians;
  GroupFigures fleet;
  bool any = false;
  for (const auto& [name, f] : check.groups) {
    if (name.rfind("node ", 0) != 0) continue;
    medians.push_back(f.median);
    fleet.low = any ? std::min(fleet.low, f.low) : f.low;
    fleet.high = any ? std::max(fleet.high, f.high) : f.high;
    any = true;
  }
  if (!any) return std::nullopt;
  fleet.attempts = medians;
  fleet.median = summarize(medians).p50;
  return BaselineReference{fleet, true};
}

bool below_baseline(double value, const GroupFigures& base, bool higher_is_better,
                    double max_drop) {
  if (higher_is_better) return value < base.median * (1 - max_drop) && value < base.low;
  return value > base.median / (1 - max_drop) && value > base.high;
}

}  // namespace meshbench
