#include <fmt/format.h>
#include <fmt/ostream.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <numeric>

#include "bench/accept/accept_run.hpp"
#include "bench/pattern_units.hpp"
#include "bench/stats.hpp"
#include "patterns/units.hpp"

namespace meshbench {
namespace {

/// The measurement settings of pattern steps: the pattern command's defaults (a unit is a
/// step's traffic of one row, far longer than one collective), or the file's fixed counts.
MeasureSettings pattern_measure_settings(const MeasureSettings& collectives) {
  if (!collectives.adaptive) return collectives;
  MeasureSettings s;
  s.min_iters = 3;
  s.max_time_s = 1.0;
  s.warmup_max_time_s = 0.5;
  return s;
}

}  // namespace

/// The patterns check: one training step's traffic of each axis of a model and layout, all
/// groups at once (bench/pattern_units.hpp), up to `repeats` attempts while an axis is over its
/// maximum or below its baseline; one CheckResult per axis. Wrong data or bytes that differ
/// from the table fail every axis at once, naming the ranks.
std::vector<CheckResult> run_pattern_checks(AcceptRun& run) {
  const PatternsExpectation& p = run.e.patterns;
  const Topology& topo = run.topo;
  if (p.inputs.layout.product() != topo.world_size) {
    run.record_bad_input();
    throw InputError(fmt::format("{}: patterns.layout: {} has {} ranks, the job has {}",
                                 run.o.expect_file, format_mesh_sizes(p.inputs.layout),
                                 p.inputs.layout.product(), topo.world_size));
  }
  const DeviceMesh mesh(p.inputs.layout, parse_mesh_order(p.order), topo.world_size);
  run.checkpoint("patterns");
  const std::unique_ptr<PatternUnits> plan =
      make_pattern_units(step_traffic(p.inputs), mesh, topo, *run.bench.comm, p.scale);
  const std::unique_ptr<Executor> exec = run.bench.comm->make_executor();
  const MeasureSettings settings = pattern_measure_settings(run.e.measure);
  std::vector<std::string> axes;
  for (const PatternUnit& u : plan->units) {
    if (std::find(axes.begin(), axes.end(), u.axis) == axes.end()) axes.push_back(u.axis);
  }
  // Each axis's baseline figures, looked up once (check_baseline_fits made sure they exist).
  std::map<std::string, std::optional<BaselineReference>> refs;
  for (const std::string& a : axes) {
    refs[a] = run.baseline ? baseline_reference(run.baseline->checks.at(p.name(a)), "all") : std::nullopt;
  }
  const bool writing = !run.o.write_baseline.empty();
  std::map<std::string, std::vector<double>> attempts;
  std::map<std::string, bool> failed_every;
  for (const std::string& a : axes) failed_every[a] = true;
  std::vector<std::string> wrong_ranks;
  for (int attempt = 0; attempt < run.e.repeats && wrong_ranks.empty(); ++attempt) {
    for (PatternUnit& u : plan->units) {
      const std::string what = fmt::format("pattern {} {}", u.axis, u.phase);
      const int id = run.checkpoint(what);
      u.steps = 0;
      u.wrong = 0;
      try {
        measure_pattern_unit(u, run.world, *exec, settings, plan->counted);
      } catch (const CollectiveTimeout&) {
        run.watchdog(id, what);
      }
    }
    // Per rank: wrong elements plus bytes that differ from the table, gathered to all.
    std::uint64_t bad = 0;
    for (const PatternUnit& u : plan->units) {
      const ByteCounts want = expected_bytes(u);
      bad += u.wrong;
      if (u.counted.sent != want.sent * u.steps || u.counted.received != want.received * u.steps) ++bad;
    }
    std::vector<std::uint64_t> bad_of(static_cast<std::size_t>(topo.world_size), 0);
    const int id = run.checkpoint("pattern verification");
    try {
      run.world.all_gather(&bad, bad_of.data(), 1, Datatype::kUint64);
    } catch (const CollectiveTimeout&) {
      run.watchdog(id, "pattern verification");
    }
    for (int r = 0; r < topo.world_size; ++r) {
      if (const auto n = bad_of[static_cast<std::size_t>(r)]; n > 0) {
        wrong_ranks.push_back(fmt::format("rank {} ({}): {} wrong element(s) or byte count(s) off "
                                          "the table", r, run.host_of_rank(r), n));
      }
    }
    run.wrong_total += std::accumulate(bad_of.begin(), bad_of.end(), std::uint64_t{0});
    const std::map<std::string, double> step = axis_step_us(plan->units);
    bool all_ok = true;
    for (const std::string& a : axes) {
      const double us = step.at(a);
      const std::string name = p.name(a);
      const auto max = p.max_step_ms.find(a);
      const std::optional<BaselineReference>& ref = refs.at(a);
      const bool ok = wrong_ranks.empty() && (max == p.max_step_ms.end() || us <= max->second * 1e3) &&
                      (!ref || !below_baseline(us, ref->figures, false, run.o.max_drop));
      if (ok) failed_every[a] = false;
      all_ok = all_ok && !failed_every[a];
      attempts[a].push_back(us);
      if (run.root) {
        fmt::print(run.groups_csv, "\"{}\",all,\"all\",{},{},,{:.9g},,,{:.9g},time_us_p50,{},{}\n",
                   name, attempt, topo.world_size, us, us,
                   ref ? fmt::format("{:.9g}", ref->figures.median) : "", ok);
        fmt::print(run.accept_csv, "\"{}\",{},{:.9g},step_time_us_p50,{}\n", name, attempt, us, ok);
      }
    }
    if (run.root) {
      run.groups_csv.flush();
      run.accept_csv.flush();
    }
    if (all_ok && !writing) break;
  }
  std::vector<CheckResult> out;
  for (const std::string& a : axes) {
    const std::string name = p.name(a);
    CheckResult c{name, true, false, "", attempts[a], {}, {}};
    const GroupFigures fig = group_figures(attempts[a]);
    const auto max = p.max_step_ms.find(a);
    const std::optional<BaselineReference>& ref = refs.at(a);
    std::vector<std::string> criteria;
    if (max != p.max_step_ms.end()) criteria.push_back(fmt::format("step time <= {:.4g} ms", max->second));
    if (ref) criteria.push_back(fmt::format("within {:.0f}% of the baseline", 100 * run.o.max_drop));
    if (criteria.empty()) criteria.push_back(writing ? "recorded for the baseline, no threshold" : "measured, no threshold");
    c.detail = fmt::format("{} traffic of one step{}: {}; {}", a, p.scale < 1 ? fmt::format(" (scaled x{})", p.scale) : "",
                           fmt::join(criteria, ", "), spread_text(c.attempts, "us per step"));
    if (!wrong_ranks.empty()) {
      c.passed = false;
      c.blame = wrong_ranks;
    } else if (failed_every[a]) {
      c.passed = false;
      c.blame.push_back(fmt::format("{} axis: {:.4g} us per step in every attempt{}", a, fig.median,
                                    ref ? fmt::format(" (baseline {:.4g} us)", ref->figures.median) : ""));
    }
    for (const PatternUnit& u : plan->units) {
      if (u.axis != a) continue;
      c.notes.push_back(fmt::format("{} {}: {} x {} of {} on groups of {} ({} {}x{}), last attempt p50 {:.4g} us per step",
                                    u.axis, u.phase, u.calls, op_name(u.op), format_bytes(u.counts.size_bytes),
                                    u.group_size, u.tier, u.max_nodes, u.max_ranks_per_node,
                                    summarize(u.measured.samples_us).p50));
    }
    if (writing) {
      BaselineCheck& b = run.written.checks[name];
      b.unit = "time_us_p50";
      b.groups["all"] = fig;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace meshbench
