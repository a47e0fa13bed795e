#include "fit/profile.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

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
