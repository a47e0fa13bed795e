#include "fit/profile.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "fit/csv_table.hpp"
#include "fit/scaling_check.hpp"

namespace meshbench::fit {
namespace {

/// Exact times of a series whose time follows `time_us(bytes)`, 1 KiB .. 64 MiB.
template <typename F>
std::vector<Measurement> series(const char* op, int ranks, int nodes, F time_us) {
  std::vector<Measurement> out;
  std::size_t line = 1;
  for (std::uint64_t b = 1024; b <= (64u << 20); b *= 2) {
    Measurement m;
    m.op = op;
    m.dtype = "float32";
    m.ranks = ranks;
    m.nodes = nodes;
    m.ranks_per_node = ranks / nodes;
    m.tier = nodes > 1 ? "inter" : "intra";
    m.group = "all";
    m.bytes = b;
    m.time_us = time_us(static_cast<double>(b));
    m.busbw_factor = busbw_factor(*parse_op(op), ranks);
    m.line = line++;
    m.source = "synthetic";
    out.push_back(m);
  }
  return out;
}

Profile round_trip(const std::vector<Measurement>& ms, const std::string& algorithm = "") {
  const auto fits = fit_series(ms);
  const auto doc = make_profile(fits, {}, algorithm);
  const auto file = std::filesystem::temp_directory_path() / ("meshbench_profile_test_" + std::to_string(getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".json");
  std::ofstream(file) << doc.dump();
  return read_profile(file);
}

TEST(Profile, RingLinkParametersPredictAnotherRankCount) {
  const LinkCost link{5.0, 1e-4};  // 5 us per step, 10 GB/s per link
  auto ring = [&](int p) {
    const auto s = algorithm_steps(CollectiveOp::kAllReduce, Algorithm::kRing, p);
    return [=](double n) { return s.alpha_steps * link.alpha_us + s.beta_fraction * n * link.beta_us_per_byte; };
  };
  const Profile profile = round_trip(series("all_reduce", 8, 1, ring(8)));
  ASSERT_EQ(profile.entries.size(), 1u);
  EXPECT_NEAR(profile.entries[0].regimes.front().link_alpha_us, 5.0, 0.05);
  for (double n : {4096.0, 1048576.0, 33554432.0}) {
    const Prediction p = predict(profile, CollectiveOp::kAllReduce, n, 16, 1);
    EXPECT_NEAR(p.time_us / ring(16)(n), 1.0, 0.01) << n;
    // The ring keeps the link busy: busbw at 16 ranks approaches the link's 10 GB/s.
    if (n > 3e7) {
      EXPECT_NEAR(p.busbw_GBps, 10.0, 0.5);
    }
  }
  EXPECT_THROW(predict(profile, CollectiveOp::kAllReduce, 1e6, 16, 2), InputError);  // no inter
  EXPECT_THROW(predict(profile, CollectiveOp::kAllGather, 1e6, 8, 1), InputError);
}

TEST(Profile, KeepsMeshSeriesWithTheirConcurrency) {
  // A world all_reduce across 2 nodes (one flow per node link) and a DP axis's groups (1 rank
  // per node, 2 groups at once on each node link): the same inter link, shared in the second.
  const LinkCost link{50.0, 1e-3};  // 1 GB/s per flow when alone
  auto ring = [&](int p, double sharing) {
    const auto s = algorithm_steps(CollectiveOp::kAllReduce, Algorithm::kRing, p);
    return [=](double n) {
      return s.alpha_steps * link.alpha_us + s.beta_fraction * n * link.beta_us_per_byte * sharing;
    };
  };
  std::vector<Measurement> ms = series("all_reduce", 4, 2, ring(4, 1));
  std::vector<Measurement> dp = series("all_reduce", 2, 2, ring(2, 2));
  for (Measurement& m : dp) {
    m.group = "dp[all]@tp-dp";
    m.concurrent_groups = 2;
  }
  std::vector<Measurement> one_group = series("all_reduce", 2, 2, ring(2, 2));
  for (Measurement& m : one_group) m.group = "dp[0]@tp-dp";  // a single group's own series
  ms.insert(ms.end(), dp.begin(), dp.end());
  ms.insert(ms.end(), one_group.begin(), one_group.end());
  const Profile profile = round_trip(ms);
  ASSERT_EQ(profile.entries.size(), 2u);  // the world and the axis's aggregate, not group 0
  const auto is_dp = [](const ProfileEntry& e) { return e.group == "dp[all]@tp-dp"; };
  const auto dp_entry = std::find_if(profile.entries.begin(), profile.entries.end(), is_dp);
  ASSERT_NE(dp_entry, profile.entries.end());
  EXPECT_EQ(dp_entry->concurrent_groups, 2);
  EXPECT_EQ(dp_entry->ranks, 2);
  // Asked as measured: the DP entry, unscaled.
  const Prediction exact = predict(profile, CollectiveOp::kAllReduce, 1 << 24, 2, 2, "", 2);
  EXPECT_EQ(exact.entry->concurrent_groups, 2);
  EXPECT_TRUE(exact.note.empty()) << exact.note;
  EXPECT_NEAR(exact.time_us / ring(2, 2)(1 << 24), 1.0, 0.01);
  // Without the DP entry, the world entry is scaled: 2 groups share each node link.
  Profile world = profile;
  world.entries.erase(std::remove_if(world.entries.begin(), world.entries.end(), is_dp),
                      world.entries.end());
  ASSERT_EQ(world.entries.size(), 1u);
  const Prediction scaled = predict(world, CollectiveOp::kAllReduce, 1 << 24, 2, 2, "", 2);
  EXPECT_NEAR(scaled.time_us / ring(2, 2)(1 << 24), 1.0, 0.02);
  EXPECT_NE(scaled.note.find("shared by 2 group(s) at once instead of 1"), std::string::npos)
      << scaled.note;
  const Prediction alone = predict(world, CollectiveOp::kAllReduce, 1 << 24, 2, 2);
  EXPECT_NEAR(alone.time_us / ring(2, 1)(1 << 24), 1.0, 0.02);
  EXPECT_THROW(predict(world, CollectiveOp::kAllReduce, 1e6, 2, 2, "", 0), InputError);
}

TEST(Profile, TwoLevelAllReduceRecoversTheInterLink) {
  const LinkCost intra{1.0, 1e-5}, inter{10.0, 1e-4};
  const auto ring4 = algorithm_steps(CollectiveOp::kAllReduce, Algorithm::kRing, 4);
  auto ms = series("all_reduce", 4, 1, [&](double n) {
    return ring4.alpha_steps * intra.alpha_us + ring4.beta_fraction * n * intra.beta_us_per_byte;
  });
  const auto inter_ms = series("all_reduce", 8, 2, [&](double n) {
    return two_level_all_reduce_us(n, 2, 4, intra, inter);
  });
  ms.insert(ms.end(), inter_ms.begin(), inter_ms.end());
  const Profile profile = round_trip(ms);
  ASSERT_EQ(profile.entries.size(), 2u);
  for (double n : {65536.0, 16777216.0}) {
    const Prediction p = predict(profile, CollectiveOp::kAllReduce, n, 32, 8, "two_level");
    EXPECT_EQ(p.algorithm, "two_level");
    EXPECT_NEAR(p.time_us / two_level_all_reduce_us(n, 8, 4, intra, inter), 1.0, 0.01) << n;
  }
}

TEST(Profile, TheLibraryChoosesTheAlgorithmUnlessOneIsAskedPerOp) {
  auto flat = [](double n) { return 20 + n * 1e-4; };
  auto of = [&](const char* op, const char* library) {
    auto ms = series(op, 16, 2, flat);
    for (Measurement& m : ms) m.library = library;
    return ms;
  };
  auto algorithms = [](const Profile& p) {
    std::map<std::string, Algorithm> out;
    for (const ProfileEntry& e : p.entries) out[e.op] = e.algorithm;
    return out;
  };
  std::vector<Measurement> nccl = of("all_reduce", "nccl"), ag = of("all_gather", "nccl");
  nccl.insert(nccl.end(), ag.begin(), ag.end());
  EXPECT_EQ(algorithms(round_trip(nccl))["all_reduce"], Algorithm::kPipelinedRing);
  EXPECT_EQ(algorithms(round_trip(of("all_reduce", "mpi")))["all_reduce"], Algorithm::kRing);
  EXPECT_EQ(algorithms(round_trip(of("all_reduce", "")))["all_reduce"], Algorithm::kRing);
  const auto listed = algorithms(round_trip(nccl, "all_reduce=recursive_doubling"));
  EXPECT_EQ(listed.at("all_reduce"), Algorithm::kRecursiveDoubling);
  EXPECT_EQ(listed.at("all_gather"), Algorithm::kPipelinedRing);  // not listed: the default
  EXPECT_EQ(algorithms(round_trip(nccl, "ring")).at("all_gather"), Algorithm::kRing);
  EXPECT_THROW(round_trip(nccl, "all_reduce=ring,allgather"), InputError);
  // Spaces and nccl-tests spellings; every item checked, even for ops the data lacks.
  const AlgorithmRequest spaced = parse_algorithm_request(" allreduce = tree , all_gather=ring ");
  EXPECT_EQ(spaced.per_op.at(CollectiveOp::kAllReduce), Algorithm::kTree);
  EXPECT_EQ(spaced.per_op.at(CollectiveOp::kAllGather), Algorithm::kRing);
  EXPECT_FALSE(spaced.every_op);
  EXPECT_TRUE(parse_algorithm_request("").per_op.empty());
  EXPECT_THROW(parse_algorithm_request("reduce_scatter=tree"), InputError);
  EXPECT_THROW(parse_algorithm_request("allreduce=tree,all_reduce=ring"), InputError);  // twice
  EXPECT_THROW(parse_algorithm_request("all_reduce=ring,"), InputError);
  EXPECT_THROW(parse_algorithm_request("allreduc=ring"), InputError);
  EXPECT_THROW(round_trip(nccl, "all_reduce=rabenseifner"), InputError);
  EXPECT_THROW(round_trip(nccl, "all_gather=tree"), InputError);  // no tree all_gather
}

/// An NCCL-like entry on 2 x 8 ranks: a latency-bound regime of 1 us per ring step and a
/// bandwidth-bound one whose 400 us intercept is 30 us of fill and 370 us per call.
Profile nccl_profile() {
  ProfileEntry e;
  e.op = "all_reduce";
  e.tier = "inter";
  e.ranks = 16;
  e.nodes = 2;
  e.ranks_per_node = 8;
  e.algorithm = Algorithm::kPipelinedRing;
  const double steps = 30, fraction = 2.0 * 15 / 16;
  ProfileRegime lat{8, 65536, 30, 1e-6, 30 / steps, 1e-6 / fraction};
  ProfileRegime bw{131072, 1e10, 400, 1e-5, 400 / steps, 1e-5 / fraction};
  e.regimes = {lat, bw};
  Profile p;
  p.entries = {e};
  return p;
}

TEST(Profile, APipelinedRingKeepsItsPerCallInterceptAcrossScales) {
  const Profile p = nccl_profile();
  const double n = 64.0 * (1 << 20);
  const Prediction at64 = predict(p, CollectiveOp::kAllReduce, n, 64, 8);
  EXPECT_EQ(at64.algorithm, "pipelined_ring");
  // 370 us per call + 126 steps x 1 us of fill + 2 x 63/64 of n over the link.
  const double link_beta = 1e-5 / (2.0 * 15 / 16);
  EXPECT_NEAR(at64.time_us, 370 + 126 + 2.0 * 63 / 64 * n * link_beta, 1e-6);
  // Latency-bound sizes across nodes grow as the tree's 2 lg p steps: 8 -> 12.
  const Prediction small = predict(p, CollectiveOp::kAllReduce, 1024, 64, 8);
  EXPECT_NEAR(small.time_us, 30.0 * 12 / 8 + 2.0 * 63 / 64 * 1024 * 1e-6 / (2.0 * 15 / 16), 1e-9);
  EXPECT_NE(small.note.find("tree"), std::string::npos) << small.note;
  EXPECT_EQ(at64.note.find("tree"), std::string::npos) << at64.note;  // bandwidth-bound
  // As a store-and-forward ring the whole 400 us would grow 4.2x, and 64 MiB busbw would drop.
  Profile ring = p;
  ring.entries[0].algorithm = Algorithm::kRing;
  const Prediction r64 = predict(ring, CollectiveOp::kAllReduce, n, 64, 8);
  EXPECT_NEAR(r64.time_us - at64.time_us, 400.0 * 126 / 30 - (370 + 126), 1e-6);
  EXPECT_LT(r64.busbw_GBps, at64.busbw_GBps);
}

TEST(ScalingCheck, PredictsEachMeasuredPointAtItsOwnPlacement) {
  const LinkCost link{5.0, 1e-4};
  auto ring = [&](int p) {
    const auto s = algorithm_steps(CollectiveOp::kAllReduce, Algorithm::kRing, p);
    return [=](double n) { return s.alpha_steps * link.alpha_us + s.beta_fraction * n * link.beta_us_per_byte; };
  };
  const Profile profile = round_trip(series("all_reduce", 8, 1, ring(8)));
  std::vector<Measurement> measured = series("all_reduce", 16, 1, ring(16));
  auto slower = series("all_reduce", 32, 1, [&](double n) { return 1.5 * ring(32)(n); });
  measured.insert(measured.end(), slower.begin(), slower.end());
  const auto result = check_scaling(profile, measured, 65536);
  ASSERT_EQ(result.size(), 2u);
  EXPECT_EQ(result[0].ranks, 16);
  EXPECT_EQ(result[0].points.front().bytes, 65536);  // smaller sizes left out
  EXPECT_EQ(result[0].points.size(), 11u);           // 64 KiB .. 64 MiB
  EXPECT_LT(result[0].max_abs_error, 0.01);
  EXPECT_NEAR(result[1].median_abs_error, 1 - 1 / 1.5, 0.01);  // predicted / measured = 2/3
  EXPECT_NE(result[0].note.find("scaled from"), std::string::npos);
  EXPECT_THROW(check_scaling(profile, series("all_gather", 16, 1, ring(16)), 65536), InputError);
  EXPECT_THROW(check_scaling(profile, measured, 1e12), InputError);
}

TEST(Profile, BadFileNamesTheProblem) {
  const auto file = std::filesystem::temp_directory_path() / ("meshbench_bad_profile_" + std::to_string(getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".json");
  std::ofstream(file) << R"({"schema": "meshbench.fit/1"})";
  EXPECT_THROW(read_profile(file), InputError);
  std::ofstream(file) << R"({"schema": "meshbench.profile/1", "entries": [{"op": "all_reduce"}]})";
  EXPECT_THROW(read_profile(file), InputError);
}

}  // namespace
}  // namespace meshbench::fit
