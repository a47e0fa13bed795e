#include "fit/profile.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "fit/csv_table.hpp"

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

Profile round_trip(const std::vector<Measurement>& ms) {
  const auto fits = fit_series(ms);
  const auto doc = make_profile(fits, {});
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

TEST(Profile, BadFileNamesTheProblem) {
  const auto file = std::filesystem::temp_directory_path() / ("meshbench_bad_profile_" + std::to_string(getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".json");
  std::ofstream(file) << R"({"schema": "meshbench.fit/1"})";
  EXPECT_THROW(read_profile(file), InputError);
  std::ofstream(file) << R"({"schema": "meshbench.profile/1", "entries": [{"op": "all_reduce"}]})";
  EXPECT_THROW(read_profile(file), InputError);
}

}  // namespace
}  // namespace meshbench::fit
