#include <fmt/format.h>
#include <fmt/ostream.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <numeric>

#include "bench/accept/accept_run.hpp"
#include "bench/accept/bisection.hpp"
#include "bench/stats.hpp"
#include "patterns/collective_cost.hpp"

namespace meshbench {
namespace {

/// The groups of a check's scope that the bisection follows: all ranks as one lane, or each
/// failing rail as its own.
std::vector<BisectionLane> bisection_lanes(const Topology& topo, const CollectiveExpectation& x,
                                           const std::vector<int>& failing_groups) {
  std::vector<BisectionLane> lanes;
  if (x.scope == CheckScope::kAll) {
    BisectionLane l;
    l.name = "all";
    for (int r = 0; r < topo.ranks_per_node; ++r) l.local_ranks.push_back(r);
    lanes.push_back(l);
  } else {
    for (int g : failing_groups) lanes.push_back(BisectionLane{{g}, {}, fmt::format("rail {}", g)});
  }
  return lanes;
}

/// Bisects the failing groups of an all-ranks or rail check to the slow node: each round
/// measures both halves of every lane at once. Adds each round to the check's notes and
/// bisect.csv; blames each node found.
void bisect(AcceptRun& run, const CollectiveExpectation& x, std::size_t index,
            const std::vector<int>& failing_groups, CheckResult& c) {
  std::vector<int> nodes(static_cast<std::size_t>(run.topo.nodes));
  std::iota(nodes.begin(), nodes.end(), 0);
  std::vector<BisectionLane> lanes = bisection_lanes(run.topo, x, failing_groups);
  std::vector<Bisection> searches;
  for (std::size_t l = 0; l < lanes.size(); ++l) searches.emplace_back(nodes, run.e.bisect_min_fraction);
  const bool busbw = x.judged_by_busbw();
  const std::string where = fmt::format("{}: collectives[{}].bytes", run.o.expect_file, index);
  Harness harness(run.world, run.e.measure);
  for (int round = 1;; ++round) {
    std::vector<BisectionLane> active;
    std::vector<std::size_t> which, first;  // the lane's search; its first group's index
    std::size_t groups = 0;
    for (std::size_t l = 0; l < lanes.size(); ++l) {
      if (searches[l].done()) continue;
      const auto sets = searches[l].next_groups();
      BisectionLane lane{lanes[l].local_ranks, {sets[0]}, lanes[l].name};
      if (!sets[1].empty()) lane.node_sets.push_back(sets[1]);  // one pair of three nodes
      first.push_back(groups);
      groups += lane.node_sets.size();
      active.push_back(lane);
      which.push_back(l);
    }
    if (active.empty()) break;
    std::unique_ptr<GroupWorkload> made;
    try {
      made = std::make_unique<GroupWorkload>(run, x.op, x.bytes, bisection_groups(run.topo, active),
                                             x.name(), where);
    } catch (const InputError& e) {  // every rank together: the check's verdict stands
      c.notes.push_back(fmt::format("bisection stopped: {}", e.what()));
      break;
    }
    GroupWorkload& w = *made;
    if (!w.skip_reason().empty()) {
      c.notes.push_back("bisection stopped: " + w.skip_reason());
      break;
    }
    if (busbw && w.min_group_ranks() < 2) {  // a rail missing on some nodes: busbw 0 is no verdict
      c.notes.push_back("bisection stopped: a group of one rank (a rail some nodes lack) has no busbw");
      break;
    }
    // Up to `repeats` measurements of the round, until every lane's halves (the medians of
    // their measurements) differ decisively: one noisy measurement must not decide a round.
    // Goodness: busbw, or the inverse of the time (higher is better either way).
    std::vector<std::array<std::vector<double>, 2>> goodness(active.size());
    std::vector<std::array<int, 2>> ranks(active.size());
    auto median_of = [](const std::vector<double>& v) { return summarize(v).p50; };
    // A time is compared per algorithm step, so that a half with more ranks (an odd node
    // count, before any node is cleared) is not slow for having more steps.
    auto per_step = [&](const GroupFigure& f) {
      return std::max(1.0, algorithm_steps(x.op, default_algorithm(x.op), f.ranks).alpha_steps);
    };
    for (int attempt = 0; attempt < run.e.repeats; ++attempt) {
      const AttemptFigures a = w.measure(harness, busbw);
      run.wrong_total += std::accumulate(a.wrong.begin(), a.wrong.end(), std::uint64_t{0});
      bool all_decisive = true;
      for (std::size_t k = 0; k < active.size(); ++k) {
        for (std::size_t h = 0; h < active[k].node_sets.size(); ++h) {
          const GroupFigure& f = a.groups[first[k] + h];
          goodness[k][h].push_back(busbw ? f.value : per_step(f) / f.value);
          ranks[k][h] = f.ranks;
        }
        if (goodness[k][1].empty()) goodness[k][1].push_back(0);  // no second group this round
        all_decisive = all_decisive && searches[which[k]].decisive(median_of(goodness[k][0]),
                                                                   median_of(goodness[k][1]));
      }
      if (all_decisive) break;
    }
    for (std::size_t k = 0; k < active.size(); ++k) {
      Bisection& s = searches[which[k]];
      const std::array<double, 2> g{median_of(goodness[k][0]), median_of(goodness[k][1])};
      s.record(g[0], g[1]);
      const Bisection::Round& r = s.rounds().back();
      auto label = [&](const std::vector<int>& set) {
        std::vector<std::string> names;
        for (int n : set) names.push_back(run.node_label(n));
        return fmt::format("{}", fmt::join(names, ", "));
      };
      // Time per step for time checks (what was compared), busbw otherwise.
      auto shown = [&](double good) {
        return busbw ? value_text(good, true) : fmt::format("{:.4g} us per step", 1 / good);
      };
      const std::size_t sets = active[k].node_sets.size();
      if (sets == 1) {  // one pair of the three-node procedure
        c.notes.push_back(fmt::format("bisection ({}) round {} ({} measurement(s), median): pair [{}] {}",
                                      active[k].name, round, goodness[k][0].size(),
                                      label(r.measured[0]), shown(g[0])));
      } else {
        c.notes.push_back(fmt::format(
            "bisection ({}) round {} ({} measurement(s), medians): [{}] {} vs [{}] {}: {}",
            active[k].name, round, goodness[k][0].size(), label(r.measured[0]), shown(g[0]),
            label(r.measured[1]), shown(g[1]),
            r.slow_half < 0 ? "alike"
                            : fmt::format("slow half [{}]", label(r.suspects[static_cast<std::size_t>(r.slow_half)]))));
      }
      if (run.root) {
        for (std::size_t h = 0; h < sets; ++h) {
          fmt::print(run.bisect_csv, "\"{}\",\"{}\",{},{},\"{}\",{},{},{:.9g},{},{}\n", x.name(),
                     active[k].name, round, h, fmt::join(r.measured[h], " "), ranks[k][h],
                     goodness[k][h].size(), busbw ? g[h] : 1 / g[h],
                     busbw ? "busbw_GBps" : "time_us_p50_per_step",
                     sets == 1 ? "" : r.slow_half == static_cast<int>(h) ? "true" : "false");
        }
        run.bisect_csv.flush();
      }
    }
  }
  for (std::size_t l = 0; l < lanes.size(); ++l) {
    const Bisection& s = searches[l];
    if (const auto culprit = s.culprit()) {
      c.blame.push_back(fmt::format("{}: found by bisection ({}, {} round(s))",
                                    run.node_label(*culprit), lanes[l].name, s.rounds().size()));
    } else {
      c.notes.push_back(fmt::format("bisection ({}): {}", lanes[l].name, s.outcome()));
    }
  }
}

}  // namespace

CheckResult run_collective_check(AcceptRun& run, std::size_t index) {
  const CollectiveExpectation& x = run.e.collectives[index];
  const Topology& topo = run.topo;
  CheckResult c{x.name(), true, false, "", {}, {}, {}};
  // A check this job skips is recorded so in a baseline, so that reruns on the same cluster
  // (which skip it again) can use the baseline.
  auto skip = [&](std::string reason) {
    c.skipped = true;
    c.detail = std::move(reason);
    if (!run.o.write_baseline.empty()) {
      BaselineCheck& b = run.written.checks[x.name()];
      b.unit = unit_of(x);
      b.skipped = c.detail;
    }
    return c;
  };
  if (x.scope != CheckScope::kNode && topo.nodes < 2) return skip("the job has one node: no inter tier");
  const std::string where = fmt::format("{}: collectives[{}].bytes", run.o.expect_file, index);
  GroupWorkload w(run, x.op, x.bytes, scope_groups(topo, x.scope), x.name(), where);
  if (!w.skip_reason().empty()) return skip(w.skip_reason());
  const GroupAssignment& groups = w.groups();
  const std::size_t ngroups = groups.names.size();
  const bool busbw = x.judged_by_busbw();
  if (busbw && w.min_group_ranks() < 2) {  // nccl-tests' busbw factors are 0 on one rank
    return skip("busbw needs 2 or more ranks in every group (a group of one rank moves no data)");
  }
  const BaselineCheck* base = run.baseline ? &run.baseline->checks.at(x.name()) : nullptr;
  if (base && base->groups.empty()) {
    c.notes.push_back(fmt::format("the baseline run skipped this check ({}): judged without it",
                                  base->skipped));
    base = nullptr;
  }
  std::vector<std::optional<BaselineReference>> refs(ngroups);
  for (std::size_t g = 0; g < ngroups && base; ++g) refs[g] = baseline_reference(*base, groups.names[g]);
  const bool writing = !run.o.write_baseline.empty();
  const double max_drop = x.max_drop.value_or(run.o.max_drop);
  std::vector<bool> failed_every(ngroups, true);
  std::vector<std::vector<double>> values(ngroups);
  std::vector<int> last_arrivals(static_cast<std::size_t>(topo.world_size), 0);
  bool wrong_data = false;
  Harness harness(run.world, run.e.measure);
  for (int attempt = 0; attempt < run.e.repeats; ++attempt) {
    const AttemptFigures a = w.measure(harness, busbw);
    for (std::size_t r = 0; r < a.last_arrivals.size(); ++r) last_arrivals[r] += a.last_arrivals[r];
    run.wrong_total += std::accumulate(a.wrong.begin(), a.wrong.end(), std::uint64_t{0});
    std::vector<std::string> wrong_ranks;
    for (int r = 0; r < topo.world_size; ++r) {
      if (const auto n = a.wrong[static_cast<std::size_t>(r)]; n > 0) {
        wrong_ranks.push_back(fmt::format("rank {} ({}): {} wrong element(s)", r, run.host_of_rank(r), n));
      }
    }
    double worst = 0;
    for (std::size_t g = 0; g < ngroups; ++g) {
      const GroupFigure& f = a.groups[g];
      const bool abs_ok = (!x.min_busbw_GBps || f.busbw_GBps >= *x.min_busbw_GBps) &&
                          (!x.max_time_us || f.time_us.p50 <= *x.max_time_us);
      const bool base_ok = !refs[g] || !below_baseline(f.value, refs[g]->figures, busbw, max_drop);
      const bool ok = abs_ok && base_ok && wrong_ranks.empty();
      if (ok) failed_every[g] = false;
      values[g].push_back(f.value);
      worst = g == 0 ? f.value : busbw ? std::min(worst, f.value) : std::max(worst, f.value);
      if (run.root) {
        fmt::print(run.groups_csv, "\"{}\",{},\"{}\",{},{},{:.9g},{:.9g},{:.9g},{:.9g},{:.9g},{},{},{}\n",
                   x.name(), scope_name(x.scope), groups.names[g], attempt, f.ranks, f.busbw_GBps,
                   f.time_us.p50, f.time_us.low, f.time_us.high, f.value, unit_of(x),
                   refs[g] ? fmt::format("{:.9g}", refs[g]->figures.median) : "", ok);
      }
    }
    c.attempts.push_back(worst);
    const bool all_ok = std::none_of(failed_every.begin(), failed_every.end(), [](bool b) { return b; });
    if (run.root) {
      fmt::print(run.accept_csv, "\"{}\",{},{:.9g},{},{}\n", x.name(), attempt, worst, unit_of(x),
                 all_ok && wrong_ranks.empty());
      run.accept_csv.flush();
      run.groups_csv.flush();
    }
    if (!wrong_ranks.empty()) {  // wrong results are a fault, not noise: no second attempt
      wrong_data = true;
      c.blame = wrong_ranks;
      break;
    }
    if (all_ok && !writing) break;
  }
  // The verdict, the blame and each group's figures.
  std::vector<std::string> criteria;
  if (x.min_busbw_GBps) criteria.push_back(fmt::format("busbw >= {:.4g} GB/s", *x.min_busbw_GBps));
  if (x.max_time_us) criteria.push_back(fmt::format("p50 <= {:.4g} us", *x.max_time_us));
  if (base) criteria.push_back(fmt::format("within {:.0f}% of the baseline", 100 * max_drop));
  if (criteria.empty()) {
    criteria.push_back(run.o.write_baseline.empty() ? "measured, no threshold" : "recorded for the baseline, no threshold");
  }
  c.detail = fmt::format("every {} group: {}; {}", scope_name(x.scope), fmt::join(criteria, ", "),
                         spread_text(c.attempts, busbw ? "GB/s busbw (worst group)" : "us p50 (worst group)"));
  std::vector<int> failing;
  for (std::size_t g = 0; g < ngroups; ++g) {
    const GroupFigures fig = group_figures(values[g]);
    std::string line = fmt::format("{}: median {} over {} attempt(s)", groups.names[g],
                                   value_text(fig.median, busbw), fig.attempts.size());
    if (refs[g]) {
      line += fmt::format("; baseline{} {} (spread {:.4g}-{:.4g})", refs[g]->fleet ? " (median node: not in the baseline)" : "",
                          value_text(refs[g]->figures.median, busbw), refs[g]->figures.low,
                          refs[g]->figures.high);
    }
    if (!wrong_data && failed_every[g]) {
      failing.push_back(static_cast<int>(g));
      const std::string who = x.scope == CheckScope::kNode
                                  ? run.node_label(groups.node_of_group[g])
                                  : x.scope == CheckScope::kRail
                                        ? fmt::format("{} (local rank {} of every node)", groups.names[g], g)
                                        : std::string("all ranks");
      c.blame.push_back(fmt::format("{}: {} in every attempt{}", who, value_text(fig.median, busbw),
                                    refs[g] ? fmt::format(" (baseline {})", value_text(refs[g]->figures.median, busbw)) : ""));
      line += ": FAIL";
    }
    c.notes.push_back(line);
    if (writing) {
      BaselineCheck& out = run.written.checks[x.name()];
      out.unit = unit_of(x);
      out.groups[groups.names[g]] = fig;
    }
  }
  c.passed = failing.empty() && !wrong_data;
  if (!failing.empty() && x.scope == CheckScope::kAll) {
    // Stragglers: a rank that arrived last in most iterations.
    const int total = std::accumulate(last_arrivals.begin(), last_arrivals.end(), 0);
    const auto worst = std::max_element(last_arrivals.begin(), last_arrivals.end());
    if (total > 0 && *worst * 2 > total) {
      const int r = static_cast<int>(worst - last_arrivals.begin());
      c.blame.push_back(fmt::format("rank {} ({}) arrived last in {} of {} iterations", r,
                                    run.host_of_rank(r), *worst, total));
    }
  }
  if (!failing.empty() && x.scope != CheckScope::kNode) bisect(run, x, index, failing, c);
  return c;
}

}  // namespace meshbench
