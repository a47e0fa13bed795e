// Integer safety and JSON field access: every refusal names the field, nothing wraps.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "patterns/input_error.hpp"
#include "patterns/json_field.hpp"
#include "patterns/mesh.hpp"

namespace meshbench {
namespace {

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(CheckedInteger, RefusesWhatWouldWrapBeforeAnyCast) {
  EXPECT_EQ(checked_range(5, 1, 8, "x"), 5);
  EXPECT_EQ(error_of([] { checked_range(9, 1, 8, "f.csv:3: column 'tp'"); }),
            "f.csv:3: column 'tp': expected an integer in [1, 8], got 9");
  EXPECT_EQ(checked_integer(64.0, 1, 1 << 20, "x"), 64);
  for (double bad : {0.5, HUGE_VAL, -HUGE_VAL, std::nan(""), 9.3e18, -8.0}) {
    EXPECT_NE(error_of([&] { checked_integer(bad, 1, 1LL << 40, "vocab"); }).find("vocab: expected"),
              std::string::npos)
        << bad;
  }
  EXPECT_EQ(checked_product({3, 5, 7}, 1000, "mesh"), 105);
  // 3 x 1431655766 wraps to 2 in 32 bits; checked, it is refused.
  EXPECT_NE(error_of([] { checked_product({3, 1431655766}, 1LL << 24, "--mesh"); })
                .find("--mesh: 3 x 1431655766 exceeds 16777216"),
            std::string::npos);
  EXPECT_NE(error_of([] { checked_product({1LL << 40, 1LL << 40}, INT64_MAX, "bytes"); }), "");
  EXPECT_NE(error_of([] { checked_product({-1, 4}, 100, "n"); }).find("negative"), std::string::npos);
}

TEST(MeshSizes, AProductPastTheRankLimitIsRefusedNotWrapped) {
  EXPECT_NE(error_of([] { parse_mesh_sizes("tp=3,dp=1431655766"); })
                .find("--mesh tp=3,dp=1431655766: the product of the sizes exceeds 16777216"),
            std::string::npos);
  MeshSizes s;
  s[MeshAxis::kTp] = 65536;
  s[MeshAxis::kDp] = 65536;  // 2^32: 0 in an int
  EXPECT_NE(error_of([&] { s.product(); }).find("mesh tp=65536,cp=1,ep=1,dp=65536,pp=1: 65536 x 1 x 1 x 65536 x 1 exceeds 16777216 ranks"),
            std::string::npos);
  s[MeshAxis::kDp] = 0;
  EXPECT_NE(error_of([&] { s.product(); }).find(">= 1"), std::string::npos);
  EXPECT_EQ(parse_mesh_sizes("tp=8,pp=16,dp=128").product(), 16384);
}

TEST(JsonField, EveryRefusalNamesTheFileAndThePath) {
  const nlohmann::json doc = nlohmann::json::parse(
      R"({"entries": [{"ranks": 2, "op": "all_reduce", "bw": 1.5, "big": 18446744073709551615,
                        "half": 2.5, "neg": -3, "flag": true}], "name": "x"})");
  const JsonField root(doc, "p.json");
  const JsonField e = root.at("entries").at(0);
  EXPECT_EQ(e.at("ranks").integer(1, 8), 2);
  EXPECT_EQ(e.at("op").string(), "all_reduce");
  EXPECT_DOUBLE_EQ(e.at("bw").number(0, 10), 1.5);
  EXPECT_TRUE(e.at("flag").boolean());
  EXPECT_FALSE(root.find("absent").has_value());
  EXPECT_EQ(error_of([&] { e.at("op").integer(1, 8); }),
            "p.json: entries[0].op: expected an integer in [1, 8], got a string \"all_reduce\"");
  EXPECT_EQ(error_of([&] { e.at("missing"); }), "p.json: entries[0]: missing field 'missing'");
  EXPECT_EQ(error_of([&] { e.at("big").integer(1, 1 << 20); }).rfind("p.json: entries[0].big: ", 0), 0u);
  EXPECT_EQ(error_of([&] { e.at("half").integer(1, 8); }).rfind("p.json: entries[0].half: ", 0), 0u);
  EXPECT_EQ(error_of([&] { e.at("neg").integer(0, 8); }).rfind("p.json: entries[0].neg: ", 0), 0u);
  EXPECT_EQ(error_of([&] { e.at("bw").number(2, 10); }),
            "p.json: entries[0].bw: expected a number in [2, 10], got 1.5");
  EXPECT_EQ(error_of([&] { root.at("name").at(0); }), "p.json: name: expected an array, got \"x\"");
  EXPECT_EQ(error_of([&] { root.at("entries").at(3); }), "p.json: entries: has 1 elements, no [3]");
  EXPECT_EQ(error_of([&] { root.at("name").at("k"); }), "p.json: name: expected an object, got \"x\"");
}

TEST(JsonField, ReadJsonFileRefusesInvalidAndOversizedFiles) {
  const auto dir = std::filesystem::temp_directory_path();
  const auto bad = dir / ("meshbench_json_" + std::to_string(getpid()) + "_bad.json");
  std::ofstream(bad) << "{\"a\": [1, 2";
  EXPECT_NE(error_of([&] { read_json_file(bad); }).find("not valid JSON"), std::string::npos);
  const auto big = dir / ("meshbench_json_" + std::to_string(getpid()) + "_big.json");
  std::ofstream(big) << "[" << std::string(4096, ' ') << "]";
  EXPECT_NE(error_of([&] { read_json_file(big, 1024); }).find("larger than 1024 bytes"),
            std::string::npos);
  EXPECT_TRUE(read_json_file(big).is_array());
  EXPECT_NE(error_of([&] { read_json_file(dir / "meshbench_no_such_file.json"); }).find("cannot open"),
            std::string::npos);
  EXPECT_NE(error_of([&] { read_json_file(dir); }).find("is a directory"), std::string::npos);
  std::filesystem::remove(bad);
  std::filesystem::remove(big);
}

}  // namespace
}  // namespace meshbench
