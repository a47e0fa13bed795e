#include "patterns/units.hpp"

#include <gtest/gtest.h>

namespace meshbench {
namespace {

TEST(ParseBytes, AcceptsBinarySuffixes) {
  EXPECT_EQ(parse_bytes("8"), 8u);
  EXPECT_EQ(parse_bytes("64K"), 65536u);
  EXPECT_EQ(parse_bytes("64k"), 65536u);
  EXPECT_EQ(parse_bytes("4M"), 4u << 20);
  EXPECT_EQ(parse_bytes("4MiB"), 4u << 20);
  EXPECT_EQ(parse_bytes("1G"), 1ull << 30);
  EXPECT_EQ(parse_bytes("2TB"), 2ull << 40);
  EXPECT_EQ(parse_bytes("0"), 0u);
}

TEST(ParseBytes, RejectsWhatIsNotASize) {
  for (const char* bad : {"", "M", "4X", "-8", "4.5M", "1 M", "99999999999999999999", "20000000T"}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW(parse_bytes(bad), SizeParseError);
  }
  try {
    parse_bytes("4X");
  } catch (const SizeParseError& e) {
    EXPECT_NE(std::string(e.what()).find("'4X'"), std::string::npos);
  }
}

TEST(FormatBytes, IsExactAndReadableBack) {
  EXPECT_EQ(format_bytes(4u << 20), "4M");
  EXPECT_EQ(format_bytes(96 * 1024), "96K");
  EXPECT_EQ(format_bytes(100), "100");
  EXPECT_EQ(format_bytes(1536), "1536");  // 1.5K is no whole number of K: stays exact
  for (std::uint64_t b : {1ull, 8ull, 1000ull, 65536ull, 3ull << 30}) EXPECT_EQ(parse_bytes(format_bytes(b)), b);
}

}  // namespace
}  // namespace meshbench
