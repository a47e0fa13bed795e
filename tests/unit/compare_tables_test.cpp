#include "fit/compare_tables.hpp"

#include <gtest/gtest.h>

#include "fit/csv_table.hpp"

namespace meshbench::fit {
namespace {

Measurement point(const std::string& op, int ranks, std::uint64_t bytes, double us,
                  const std::string& group = "all") {
  Measurement m;
  m.op = op;
  m.dtype = "float32";
  m.ranks = ranks;
  m.ranks_per_node = ranks;
  m.group = group;
  m.bytes = bytes;
  m.time_us = us;
  m.busbw_factor = 2.0 * (ranks - 1) / ranks;
  return m;
}

TEST(CompareMeasurements, RatioIsReferenceTimeOverCandidateTimePerMatchedSize) {
  std::vector<Measurement> cand, ref;
  for (std::uint64_t b = 1024; b <= (8u << 20); b *= 2) {
    ref.push_back(point("all_reduce", 8, b, 10.0 + b * 1e-4));
    cand.push_back(point("all_reduce", 8, b, 1.25 * (10.0 + b * 1e-4)));  // 25% slower
  }
  cand.push_back(point("all_reduce", 8, 16u << 20, 99));        // size the reference lacks
  cand.push_back(point("all_gather", 8, 1024, 5));              // series the reference lacks
  ref.push_back(point("all_reduce", 4, 1024, 5));               // other rank count
  cand.push_back(point("all_reduce", 8, 1024, 7, "0"));         // a single group, not the aggregate
  const auto out = compare_measurements(cand, ref, 1u << 20);
  ASSERT_EQ(out.size(), 1u);
  const SeriesComparison& s = out.front();
  EXPECT_EQ(s.op, "all_reduce");
  EXPECT_EQ(s.ranks, 8);
  EXPECT_EQ(s.points.size(), 14u);  // 1 KiB .. 8 MiB
  EXPECT_DOUBLE_EQ(s.median_ratio, 0.8);
  EXPECT_DOUBLE_EQ(s.median_ratio_large, 0.8);
  EXPECT_EQ(s.large_points, 4u);  // 1, 2, 4, 8 MiB
}

TEST(CompareMeasurements, RepetitionsCountByTheirMedian) {
  std::vector<Measurement> cand = {point("all_reduce", 2, 4096, 10), point("all_reduce", 2, 4096, 30),
                                   point("all_reduce", 2, 4096, 11)};
  std::vector<Measurement> ref = {point("all_reduce", 2, 4096, 22)};
  const auto out = compare_measurements(cand, ref, 1u << 20);
  EXPECT_DOUBLE_EQ(out.front().points.front().candidate_us, 11);
  EXPECT_DOUBLE_EQ(out.front().median_ratio, 2.0);
  EXPECT_EQ(out.front().large_points, 0u);
}

TEST(CompareMeasurements, NothingInCommonSaysWhatEachSideHolds) {
  try {
    compare_measurements({point("all_reduce", 8, 1024, 1)}, {point("all_gather", 8, 1024, 1)}, 1);
    FAIL() << "no error";
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("candidate holds all_reduce float32 8 ranks"), std::string::npos) << what;
    EXPECT_NE(what.find("reference holds all_gather"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace meshbench::fit
