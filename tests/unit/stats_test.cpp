#include "bench/stats.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "bench/sweep_config.hpp"

namespace meshbench {
namespace {

TEST(Summarize, HandComputedValues) {
  // 1..100 shuffled: p50 = 50.5, p99 = 99.01 (linear interpolation), mean 50.5.
  std::vector<double> v;
  for (int i = 100; i >= 1; --i) v.push_back(i);
  const auto s = summarize(v);
  EXPECT_EQ(s.n, 100u);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 100);
  EXPECT_DOUBLE_EQ(s.mean, 50.5);
  EXPECT_DOUBLE_EQ(s.p50, 50.5);
  EXPECT_NEAR(s.p99, 99.01, 1e-12);
  EXPECT_NEAR(s.cv, std::sqrt(100.0 * 101 / 12) / 50.5, 1e-12);  // sample sd of 1..100
}

TEST(Summarize, SingleSampleAndErrors) {
  const auto s = summarize({3.0});
  EXPECT_DOUBLE_EQ(s.p50, 3.0);
  EXPECT_DOUBLE_EQ(s.p99, 3.0);
  EXPECT_DOUBLE_EQ(s.cv, 0.0);
  EXPECT_THROW(summarize({}), std::invalid_argument);
  EXPECT_THROW(summarize({1.0, NAN}), std::invalid_argument);
}

TEST(SweepSizes, FollowsFactorAndIncludesMax) {
  EXPECT_EQ(sweep_sizes(8, 64, 2), (std::vector<std::uint64_t>{8, 16, 32, 64}));
  EXPECT_EQ(sweep_sizes(8, 100, 4), (std::vector<std::uint64_t>{8, 32}));
  EXPECT_EQ(sweep_sizes(10, 10, 2), (std::vector<std::uint64_t>{10}));
  EXPECT_EQ(sweep_sizes(1, 4, 1.1), (std::vector<std::uint64_t>{1, 2, 3, 4}));  // always advances
  EXPECT_EQ(sweep_sizes(8, 4u << 20, 2).size(), 20u);
}

TEST(SweepSizes, RejectsBadRangesNamingTheFlag) {
  auto message = [](auto f) {
    try {
      f();
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message([] { sweep_sizes(0, 8, 2); }).find("--minbytes"), std::string::npos);
  EXPECT_NE(message([] { sweep_sizes(64, 8, 2); }).find("--maxbytes"), std::string::npos);
  EXPECT_NE(message([] { sweep_sizes(8, 64, 1.0); }).find("--stepfactor"), std::string::npos);
  EXPECT_NE(message([] { sweep_sizes(8, 64, -2); }).find("--stepfactor"), std::string::npos);
}

}  // namespace
}  // namespace meshbench
