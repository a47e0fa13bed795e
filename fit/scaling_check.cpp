#include "fit/scaling_check.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include "fit/alpha_beta.hpp"
#include "patterns/collective.hpp"
#include "patterns/input_error.hpp"

namespace meshbench::fit {

std::string ScalingSeries::label() const {
  return fmt::format("{} {} {} {}x{} ({} ranks){} {}", op, dtype, nodes > 1 ? "inter" : "intra",
                     nodes, ranks_per_node, ranks,
                     concurrent_groups > 1 ? fmt::format(", {} at once", concurrent_groups) : "",
                     group);
}

std::vector<ScalingSeries> check_scaling(const Profile& profile,
                                         const std::vector<Measurement>& measured,
                                         double min_bytes) {
  // The origin too: two runs of one shape (two files, two tables of one log) stay apart.
  using Key = std::tuple<std::string, std::string, int, int, int, int, std::string, std::string>;
  std::vector<Key> order;
  std::map<Key, std::vector<const Measurement*>> series;
  for (const Measurement& m : measured) {
    if (!aggregate_group(m.group) || static_cast<double>(m.bytes) < min_bytes) continue;
    const Key key{m.op, m.dtype, m.ranks, m.nodes, m.ranks_per_node, m.concurrent_groups, m.group,
                  m.origin.empty() ? m.source : m.origin};
    auto [it, fresh] = series.try_emplace(key);
    if (fresh) order.push_back(key);
    it->second.push_back(&m);
  }
  if (order.empty()) {
    std::string files;
    for (const Measurement& m : measured) {
      const std::string& f = m.source.empty() ? m.origin : m.source;
      if (files.find(f) == std::string::npos) files += (files.empty() ? "" : ", ") + f;
    }
    throw InputError(fmt::format("{}: no measured point of {:.0f} bytes or more in an aggregate "
                                 "series", files.empty() ? "the measurements" : files, min_bytes));
  }
  std::vector<ScalingSeries> out;
  for (const Key& key : order) {
    std::vector<const Measurement*>& points = series[key];
    std::stable_sort(points.begin(), points.end(),
                     [](const Measurement* a, const Measurement* b) { return a->bytes < b->bytes; });
    const Measurement& first = *points.front();
    ScalingSeries s;
    s.op = first.op;
    s.dtype = first.dtype;
    s.group = first.group;
    s.ranks = first.ranks;
    s.nodes = first.nodes;
    s.ranks_per_node = first.ranks_per_node;
    s.concurrent_groups = first.concurrent_groups;
    s.source = first.origin.empty() ? first.source : first.origin;
    const CollectiveOp op = *parse_op(first.op);
    std::vector<double> errors;
    for (const Measurement* m : points) {
      Prediction p;
      try {
        p = predict(profile, op, static_cast<double>(m->bytes), m->ranks, m->nodes, "",
                    m->concurrent_groups);
      } catch (const InputError& e) {  // name the measurement the profile cannot predict
        throw InputError(fmt::format("{}: {}", s.source, e.what()));
      }
      if (s.entry.empty()) {
        s.entry = p.entry->label();
        s.algorithm = p.algorithm;
        s.note = p.note;
      }
      s.points.push_back({static_cast<double>(m->bytes), m->time_us, p.time_us});
      errors.push_back(std::abs(s.points.back().ratio() - 1));
    }
    s.median_abs_error = median(errors);
    s.max_abs_error = *std::max_element(errors.begin(), errors.end());
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace meshbench::fit
