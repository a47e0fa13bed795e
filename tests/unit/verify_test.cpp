#include "bench/verify.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <vector>

#include "bench/datatype.hpp"

namespace meshbench {
namespace {

TEST(VerificationValue, IsDeterministicBoundedAndDependsOnSeedRankIndex) {
  std::set<std::int64_t> seen;
  for (std::uint64_t i = 0; i < 1000; ++i) {
    const auto v = verification_value(1, 0, i, 4);
    EXPECT_EQ(v, verification_value(1, 0, i, 4));
    EXPECT_GE(v, -4);
    EXPECT_LE(v, 4);
    seen.insert(v);
  }
  EXPECT_EQ(seen.size(), 9u);  // all of -4..4 appear
  int differ_rank = 0, differ_seed = 0;
  for (std::uint64_t i = 0; i < 100; ++i) {
    differ_rank += verification_value(1, 0, i, 4) != verification_value(1, 1, i, 4);
    differ_seed += verification_value(1, 0, i, 4) != verification_value(2, 0, i, 4);
  }
  EXPECT_GT(differ_rank, 70);
  EXPECT_GT(differ_seed, 70);
}

TEST(VerificationMagnitude, KeepsSumsExact) {
  EXPECT_EQ(verification_magnitude(Datatype::kFloat32, 2), 4);
  EXPECT_EQ(verification_magnitude(Datatype::kBfloat16, 64), 4);
  EXPECT_EQ(verification_magnitude(Datatype::kBfloat16, 128), 2);
  EXPECT_EQ(verification_magnitude(Datatype::kBfloat16, 256), 1);
  EXPECT_THROW(verification_magnitude(Datatype::kBfloat16, 257), std::invalid_argument);
  // bf16 holds every integer sum the magnitude allows exactly.
  for (int n : {1, 7, 64, 100, 256}) {
    const int m = verification_magnitude(Datatype::kBfloat16, n);
    for (int s = -m * n; s <= m * n; ++s) {
      ASSERT_EQ(bf16_to_float(float_to_bf16(static_cast<float>(s))), static_cast<float>(s));
    }
  }
}

TEST(CountWrong, FindsEveryWrongAndUnwrittenElement) {
  for (Datatype dt : {Datatype::kFloat32, Datatype::kBfloat16}) {
    SCOPED_TRACE(dtype_name(dt));
    const std::size_t n = 1000;
    std::vector<std::byte> buf(n * element_bytes(dt));
    fill_verification_data(buf.data(), dt, n, 7, 3, 4);
    ExpectedForm expected;  // rank 3's input, as a broadcast from rank 3 delivers it
    expected.seed = 7;
    expected.magnitude = 4;
    expected.nranks = 8;
    expected.source_rank = 3;
    EXPECT_EQ(count_wrong(buf.data(), dt, n, expected), 0u);
    corrupt_element(buf.data(), dt, 10);
    corrupt_element(buf.data(), dt, 999);
    EXPECT_EQ(count_wrong(buf.data(), dt, n, expected), 2u);
    fill_unwritten(buf.data(), dt, n);
    EXPECT_EQ(count_wrong(buf.data(), dt, n, expected), n);
  }
}

TEST(Bf16, RoundsToNearestEven) {
  EXPECT_EQ(float_to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(bf16_to_float(0x3f80), 1.0f);
  // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to even (1.0).
  EXPECT_EQ(bf16_to_float(float_to_bf16(1.0f + std::ldexp(1.0f, -8))), 1.0f);
  // 1 + 3 * 2^-8 is halfway between 1 + 2^-7 and 1 + 2^-6: ties to even (1 + 2^-6).
  EXPECT_EQ(bf16_to_float(float_to_bf16(1.0f + 3 * std::ldexp(1.0f, -8))),
            1.0f + std::ldexp(1.0f, -6));
  EXPECT_TRUE(std::isnan(bf16_to_float(float_to_bf16(NAN))));
  EXPECT_EQ(bf16_to_float(float_to_bf16(-3.0f)), -3.0f);
}

TEST(Datatype, ParsesBenchmarkTypesOnly) {
  EXPECT_EQ(parse_benchmark_dtype("float"), Datatype::kFloat32);
  EXPECT_EQ(parse_benchmark_dtype("bfloat16"), Datatype::kBfloat16);
  EXPECT_FALSE(parse_benchmark_dtype("float64"));
  EXPECT_FALSE(parse_benchmark_dtype("half"));
  EXPECT_EQ(element_bytes(Datatype::kBfloat16), 2u);
}

// count_wrong hoists the ranks' keys out of its loop: it must still judge every element by
// expected_value, for a sum over ranks, for blocks, and for one source rank, in every dtype.
TEST(CountWrong, AgreesWithExpectedValueForEveryForm) {
  ExpectedForm sum;
  sum.seed = 11;
  sum.magnitude = 2;
  sum.nranks = 5;
  sum.sum_over_ranks = true;
  sum.offset = 40;
  ExpectedForm blocks = sum;
  blocks.sum_over_ranks = false;
  blocks.block = 37;
  ExpectedForm one = blocks;
  one.block = 0;
  one.source_rank = 4;
  for (const ExpectedForm& form : {sum, blocks, one}) {
    for (Datatype dt : {Datatype::kFloat32, Datatype::kBfloat16, Datatype::kFloat64}) {
      SCOPED_TRACE(dtype_name(dt));
      const std::size_t n = 5 * 37;
      std::vector<double> values(n);
      for (std::size_t i = 0; i < n; ++i) values[i] = static_cast<double>(expected_value(form, i));
      std::vector<std::byte> buf(n * element_bytes(dt));
      for (std::size_t i = 0; i < n; ++i) {
        switch (dt) {
          case Datatype::kFloat32: reinterpret_cast<float*>(buf.data())[i] = static_cast<float>(values[i]); break;
          case Datatype::kBfloat16:
            reinterpret_cast<std::uint16_t*>(buf.data())[i] = float_to_bf16(static_cast<float>(values[i]));
            break;
          default: reinterpret_cast<double*>(buf.data())[i] = values[i]; break;
        }
      }
      EXPECT_EQ(count_wrong(buf.data(), dt, n, form), 0u);
      corrupt_element(buf.data(), dt, 0);
      corrupt_element(buf.data(), dt, 36);   // last of block 0
      corrupt_element(buf.data(), dt, 37);   // first of block 1
      corrupt_element(buf.data(), dt, n - 1);
      EXPECT_EQ(count_wrong(buf.data(), dt, n, form), 4u);
    }
  }
}

}  // namespace
}  // namespace meshbench
