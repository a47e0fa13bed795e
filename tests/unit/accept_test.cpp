// accept's pure parts: the scope of a check, the baseline rule, the groups measured at once and
// the bisection's decisions (simulated clusters with one slow node).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "bench/accept/baseline.hpp"
#include "bench/accept/bisection.hpp"
#include "bench/accept/expectations.hpp"
#include "bench/accept/groups.hpp"
#include "patterns/input_error.hpp"

namespace meshbench {
namespace {

std::string temp_file(const std::string& stem, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() /
                    (stem + "-" + std::to_string(::getpid()) + ".json");
  std::ofstream(path) << text;
  return path.string();
}

Topology cluster(int nodes, int ranks_per_node) {
  Topology t;
  t.world_size = nodes * ranks_per_node;
  t.nodes = nodes;
  t.ranks_per_node = ranks_per_node;
  for (int n = 0; n < nodes; ++n) {
    t.node_hosts.push_back(fmt::format("h{}", n));  // (a string + GCC 12's -Wrestrict false positive)
    for (int r = 0; r < ranks_per_node; ++r) t.node_of_rank.push_back(n);
  }
  return t;
}

TEST(AcceptExpectations, ScopeFollowsTierOrIsGiven) {
  const std::string f = temp_file("scope", R"({"schema": "meshbench.expect/1", "collectives": [
      {"op": "all_reduce", "tier": "intra", "bytes": "1M", "min_busbw_GBps": 1},
      {"op": "all_reduce", "tier": "inter", "bytes": "1M", "min_busbw_GBps": 1},
      {"op": "all_reduce", "scope": "rail", "bytes": "1M", "min_busbw_GBps": 1},
      {"op": "all_gather", "tier": "inter", "scope": "rail", "bytes": 8, "max_time_us": 9}]})");
  const Expectations e = read_expectations(f, false);
  ASSERT_EQ(e.collectives.size(), 4u);
  EXPECT_EQ(e.collectives[0].scope, CheckScope::kNode);
  EXPECT_EQ(e.collectives[1].scope, CheckScope::kAll);
  EXPECT_EQ(e.collectives[2].scope, CheckScope::kRail);
  EXPECT_EQ(e.collectives[3].name(), "all_gather rail 8");
  EXPECT_TRUE(e.collectives[0].judged_by_busbw());
  EXPECT_FALSE(e.collectives[3].judged_by_busbw());
  std::filesystem::remove(f);
}

TEST(AcceptExpectations, RefusesContradictionsAndMissingThresholds) {
  const std::string intra_rail = temp_file("intra_rail", R"({"schema": "meshbench.expect/1",
      "collectives": [{"op": "all_reduce", "tier": "intra", "scope": "rail", "bytes": 8, "max_time_us": 9}]})");
  EXPECT_THROW(read_expectations(intra_rail, false), InputError);
  const std::string bare = temp_file("bare", R"({"schema": "meshbench.expect/1",
      "collectives": [{"op": "all_reduce", "scope": "all", "bytes": "1M"}]})");
  EXPECT_THROW(read_expectations(bare, false), InputError);
  const Expectations e = read_expectations(bare, true);  // a baseline supplies the threshold
  EXPECT_TRUE(e.collectives[0].judged_by_busbw());          // 1 MiB: bandwidth-bound
  const std::string twice = temp_file("twice", R"({"schema": "meshbench.expect/1", "collectives": [
      {"op": "all_reduce", "tier": "intra", "bytes": "1M", "min_busbw_GBps": 1},
      {"op": "all_reduce", "scope": "node", "bytes": 1048576, "min_busbw_GBps": 2}]})");
  EXPECT_THROW(read_expectations(twice, false), InputError);
  for (const auto& f : {intra_rail, bare, twice}) std::filesystem::remove(f);
}

TEST(AcceptBaseline, FailsOnlyBelowMarginAndSpread) {
  const GroupFigures base = group_figures({10.0, 10.4, 9.8});
  EXPECT_DOUBLE_EQ(base.median, 10.0);
  EXPECT_DOUBLE_EQ(base.low, 9.8);
  EXPECT_DOUBLE_EQ(base.high, 10.4);
  EXPECT_FALSE(below_baseline(9.6, base, true, 0.05));   // 4% down: within the margin
  EXPECT_TRUE(below_baseline(9.4, base, true, 0.05));    // 6% down and below the spread
  // A wide spread protects a noisy check: 20% down but inside what the healthy run showed.
  const GroupFigures noisy = group_figures({10.0, 7.0, 12.0});
  EXPECT_FALSE(below_baseline(8.0, noisy, true, 0.05));
  EXPECT_TRUE(below_baseline(6.0, noisy, true, 0.05));
  // Times: lower is better.
  const GroupFigures t = group_figures({100.0, 103.0});
  EXPECT_FALSE(below_baseline(104.0, t, false, 0.05));  // within 1/(1-0.05) of the median 101.5
  EXPECT_TRUE(below_baseline(107.0, t, false, 0.05));
  EXPECT_FALSE(below_baseline(50.0, t, false, 0.05));   // faster never fails
}

TEST(AcceptBaseline, RoundTripsAndFallsBackToTheMedianNode) {
  Baseline b;
  b.world_size = 8, b.nodes = 4, b.ranks_per_node = 2;
  b.hosts = {"h0", "h1", "h2", "h3"};
  b.created = "2026-12-02T00:00:00Z";
  BaselineCheck& c = b.checks["all_reduce node 1 MiB"];
  c.unit = "busbw_GBps";
  c.groups["node h0"] = group_figures({1.0, 0.9});
  c.groups["node h1"] = group_figures({2.0, 1.8, 2.2});
  c.groups["node h2"] = group_figures({3.0});
  const std::string f = temp_file("baseline", baseline_json(b).dump());
  const Baseline back = read_baseline(f);
  EXPECT_EQ(back.nodes, 4);
  ASSERT_EQ(back.checks.count("all_reduce node 1 MiB"), 1u);
  const BaselineCheck& rc = back.checks.at("all_reduce node 1 MiB");
  const auto own = baseline_reference(rc, "node h1");
  ASSERT_TRUE(own);
  EXPECT_FALSE(own->fleet);
  EXPECT_DOUBLE_EQ(own->figures.median, 2.0);
  const auto replaced = baseline_reference(rc, "node h9");  // a node the baseline never saw
  ASSERT_TRUE(replaced);
  EXPECT_TRUE(replaced->fleet);
  EXPECT_DOUBLE_EQ(replaced->figures.median, 2.0);
  EXPECT_DOUBLE_EQ(replaced->figures.low, 0.9);
  EXPECT_DOUBLE_EQ(replaced->figures.high, 3.0);
  EXPECT_FALSE(baseline_reference(rc, "rail 0"));
  std::filesystem::remove(f);
}

TEST(AcceptBaseline, RefusesBadFiles) {
  const std::string schema = temp_file("bschema", R"({"schema": "meshbench.expect/1"})");
  EXPECT_THROW(read_baseline(schema), InputError);
  const std::string order = temp_file("border", R"({"schema": "meshbench.baseline/1",
      "world_size": 2, "nodes": 1, "ranks_per_node": 2, "hosts": ["a"], "checks": {"x":
      {"unit": "busbw_GBps", "groups": {"all": {"attempts": [1], "median": 1, "low": 2, "high": 3}}}}})");
  EXPECT_THROW(read_baseline(order), InputError);
  const std::string hosts = temp_file("bhosts", R"({"schema": "meshbench.baseline/1",
      "world_size": 2, "nodes": 2, "ranks_per_node": 1, "hosts": ["a"], "checks": {}})");
  EXPECT_THROW(read_baseline(hosts), InputError);
  for (const auto& f : {schema, order, hosts}) std::filesystem::remove(f);
}

TEST(AcceptGroups, ScopesAndBisectionRounds) {
  const Topology t = cluster(4, 2);
  EXPECT_EQ(local_ranks(t), (std::vector<int>{0, 1, 0, 1, 0, 1, 0, 1}));
  const GroupAssignment node = scope_groups(t, CheckScope::kNode);
  EXPECT_EQ(node.group_of_rank, (std::vector<int>{0, 0, 1, 1, 2, 2, 3, 3}));
  EXPECT_EQ(node.names[2], "node h2");
  const GroupAssignment rail = scope_groups(t, CheckScope::kRail);
  EXPECT_EQ(rail.group_of_rank, (std::vector<int>{0, 1, 0, 1, 0, 1, 0, 1}));
  EXPECT_EQ(scope_groups(t, CheckScope::kAll).names, (std::vector<std::string>{"all"}));
  // Two rails bisected at once, both padding with cleared node 0: disjoint by local rank.
  const GroupAssignment round = bisection_groups(
      t, {{{0}, {{2, 0}, {3, 1}}, "rail 0"}, {{1}, {{1, 0}, {2, 3}}, "rail 1"}});
  EXPECT_EQ(round.group_of_rank, (std::vector<int>{0, 2, 1, 2, 0, 3, 1, 3}));
  // The same rank in two groups is refused.
  EXPECT_THROW(bisection_groups(t, {{{0, 1}, {{0, 1}, {1, 2}}, "all"}}), std::invalid_argument);
}

/// Runs a bisection on a simulated cluster where `slow` has `slow_factor` of the others' link
/// rate: a group's goodness is the rate of its slowest node (a ring is paced by its slowest
/// link).
Bisection simulate(int nodes, int slow, double slow_factor) {
  std::vector<int> all(static_cast<std::size_t>(nodes));
  for (int n = 0; n < nodes; ++n) all[static_cast<std::size_t>(n)] = n;
  Bisection b(all, 0.9);
  auto goodness = [&](const std::vector<int>& set) {
    return std::find(set.begin(), set.end(), slow) != set.end() ? slow_factor : 1.0;
  };
  while (!b.done()) {
    const auto g = b.next_groups();
    EXPECT_GE(g[0].size(), 2u);
    EXPECT_GE(g[1].size(), 2u);
    // Once nodes are cleared, both halves hold as many nodes (a larger group is slower).
    if (!b.rounds().empty()) {
      EXPECT_EQ(g[0].size(), g[1].size()) << nodes << " nodes";
    }
    for (int n : g[0]) EXPECT_EQ(std::count(g[1].begin(), g[1].end(), n), 0) << "halves overlap";
    b.record(goodness(g[0]), goodness(g[1]));
  }
  return b;
}

TEST(AcceptBisection, NamesTheSlowNodeInLogRounds) {
  for (int nodes : {4, 5, 6, 7, 8, 13, 64}) {
    for (int slow = 0; slow < nodes; ++slow) {
      const Bisection b = simulate(nodes, slow, 0.8);
      ASSERT_TRUE(b.culprit()) << nodes << " nodes, slow " << slow << ": " << b.outcome();
      EXPECT_EQ(*b.culprit(), slow) << nodes << " nodes";
      EXPECT_LE(b.rounds().size(), static_cast<std::size_t>(std::ceil(std::log2(nodes))));
    }
  }
}

TEST(AcceptBisection, ThreeNodesMeasureTheirPairs) {
  for (int slow = 0; slow < 3; ++slow) {
    Bisection b({0, 1, 2}, 0.9);
    int rounds = 0;
    while (!b.done()) {
      const auto g = b.next_groups();
      ASSERT_EQ(g[0].size(), 2u);
      EXPECT_TRUE(g[1].empty());
      const bool has_slow = std::count(g[0].begin(), g[0].end(), slow) > 0;
      b.record(has_slow ? 0.8 : 1.0, 0);
      ++rounds;
    }
    EXPECT_EQ(rounds, 3);
    ASSERT_TRUE(b.culprit()) << b.outcome();
    EXPECT_EQ(*b.culprit(), slow);
  }
  Bisection alike({0, 1, 2}, 0.9);  // every pair alike: no node named
  while (!alike.done()) alike.record(1.0, 0);
  EXPECT_FALSE(alike.culprit());
  EXPECT_NE(alike.outcome().find("no single node"), std::string::npos);
}

TEST(AcceptBisection, StopsWhenHalvesAgreeOrTooFewNodes) {
  const Bisection healthy = simulate(8, -1, 0.8);  // no slow node: the first halves agree
  EXPECT_FALSE(healthy.culprit());
  EXPECT_EQ(healthy.rounds().size(), 1u);
  EXPECT_NE(healthy.outcome().find("alike"), std::string::npos);
  const Bisection few({0, 1}, 0.9);
  EXPECT_TRUE(few.done());
  EXPECT_FALSE(few.culprit());
  EXPECT_THROW(few.next_groups(), std::logic_error);
  EXPECT_THROW(Bisection({0, 1, 2, 3}, 1.0), std::invalid_argument);
  const Bisection halves({0, 1, 2, 3}, 0.9);
  EXPECT_TRUE(halves.decisive(0.8, 1.0));
  EXPECT_TRUE(halves.decisive(1.0, 0.8));
  EXPECT_FALSE(halves.decisive(0.95, 1.0));
  // 5% slower is inside the 10% margin: not bisected to a node.
  EXPECT_FALSE(simulate(8, 3, 0.95).culprit());
}

}  // namespace
}  // namespace meshbench

namespace meshbench {
namespace {

// Every shipped expectations file reads (the fleet example with a baseline only), and the
// Azure floors are the ones their sources state (scripts/expect/*.json "source").
TEST(AcceptExpectations, ShippedExamplesReadWithTheirPublishedFloors) {
  const std::filesystem::path dir = MESHBENCH_TEST_DATA "/../../scripts/expect";
  int files = 0;
  for (const auto& f : std::filesystem::directory_iterator(dir)) {
    if (f.path().extension() != ".json") continue;
    ++files;
    EXPECT_NO_THROW(read_expectations(f.path().string(), true)) << f.path();
  }
  EXPECT_GE(files, 6);
  const std::pair<const char*, double> floors[] = {{"azure-nd-h100-v5-node.json", 460},
                                                   {"azure-nd-h200-v5-node.json", 431},
                                                   {"azure-nd-mi300x-v5-node.json", 314},
                                                   {"azure-nd-a100-v4-node.json", 228}};
  for (const auto& [name, busbw] : floors) {
    const Expectations e = read_expectations((dir / name).string(), false);
    ASSERT_EQ(e.collectives.size(), 1u) << name;
    EXPECT_EQ(e.collectives[0].scope, CheckScope::kNode) << name;
    EXPECT_DOUBLE_EQ(*e.collectives[0].min_busbw_GBps, busbw) << name;
    const std::uint64_t gib = std::uint64_t{1} << 30;
    EXPECT_EQ(e.collectives[0].bytes, std::string(name).find("a100") != std::string::npos ? 8 * gib : 16 * gib) << name;
  }
}

}  // namespace
}  // namespace meshbench
