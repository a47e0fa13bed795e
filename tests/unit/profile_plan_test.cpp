// What `meshbench profile` sweeps for a layout (bench/profile_plan.hpp).
#include "bench/profile_plan.hpp"

#include <gtest/gtest.h>

#include "patterns/training_flags.hpp"

namespace meshbench {
namespace {

TrafficInputs tiny(const std::string& layout) {
  TrainingOptions t;
  t.model = MESHBENCH_TEST_DATA "/tiny_llama_config.json";
  t.layout = layout;
  t.seq_length = 256;
  t.global_batch_size = 8;
  return to_traffic_inputs(t);
}

TEST(ProfilePlan, OneSweepPerAxisBracketingItsCalls) {
  std::vector<std::string> skipped;
  const TrafficInputs in = tiny("tp=2,dp=2");
  const auto sweeps = profile_sweeps(in, skipped);
  ASSERT_EQ(sweeps.size(), 2u);
  EXPECT_TRUE(skipped.empty());
  for (const ProfileSweep& s : sweeps) {
    EXPECT_EQ(s.ops, std::vector<std::string>{"all_reduce"});
    double lo = 1e300, hi = 0;
    for (const TrafficRow& r : step_traffic(in)) {
      if (r.axis == s.axis) lo = std::min(lo, r.bytes_per_call), hi = std::max(hi, r.bytes_per_call);
    }
    ASSERT_GT(hi, 0) << s.axis;
    // A bracket of 8x each side, rounded out to powers of two, from 1 KiB up (the vocab-
    // parallel cross entropy's all-reduces are a few bytes): the fit interpolates, with three
    // sizes past the largest call for a regime of their own.
    EXPECT_LE(static_cast<double>(s.min_bytes), std::max(1024.0, lo / 8 + 1)) << s.axis;
    EXPECT_GE(static_cast<double>(s.max_bytes), hi * 8) << s.axis;
    EXPECT_LT(static_cast<double>(s.max_bytes), hi * 16) << s.axis;
    EXPECT_EQ(s.min_bytes & (s.min_bytes - 1), 0u);
    EXPECT_EQ(s.max_bytes & (s.max_bytes - 1), 0u);
  }
  EXPECT_EQ(sweeps[0].axis, "tp");
  EXPECT_EQ(sweeps[1].axis, "dp");
}

TEST(ProfilePlan, PipelineSendRecvAndSizeOneAxesIgnored) {
  std::vector<std::string> skipped;
  const auto sweeps = profile_sweeps(tiny("pp=2,dp=2"), skipped);
  std::vector<std::string> axes;
  for (const ProfileSweep& s : sweeps) axes.push_back(s.axis);
  EXPECT_EQ(axes, (std::vector<std::string>{"pp", "dp"}));
  EXPECT_EQ(sweeps[0].ops, std::vector<std::string>{"send_recv"});
  EXPECT_TRUE(profile_sweeps(tiny("tp=1"), skipped).empty());  // one rank: nothing crosses a link
}

}  // namespace
}  // namespace meshbench
