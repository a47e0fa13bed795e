#include "fit/gemm_calibration.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "fit/csv_table.hpp"
#include "fit/profile.hpp"

namespace meshbench::fit {
namespace {

namespace fs = std::filesystem;

/// A gemm.json as meshbench gemm writes it (the fields read_gemm_summary reads), with the
/// given bf16 summary.
nlohmann::json gemm_doc(nlohmann::json bf16) {
  return {{"schema", "meshbench.gemm/1"},
          {"gpu", {{"name", "NVIDIA H100 80GB HBM3"}, {"spec", "h100"}, {"compute_capability", 90}}},
          {"model", "llama3-8b"},
          {"layout", {{"tp", 8}, {"cp", 1}, {"ep", 1}}},
          {"tokens_per_micro_batch", 4096},
          {"summary", {{"bf16", bf16}}}};
}

fs::path write(const std::string& name, const nlohmann::json& doc) {
  const fs::path p = fs::temp_directory_path() / ("meshbench_" + name + ".json");
  std::ofstream(p) << doc.dump();
  return p;
}

std::string error_of(const fs::path& p) {
  try {
    read_gemm_summary(p);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(GemmCalibration, ReadsTheSummaryAndRoundTripsThroughTheProfile) {
  const auto p = write("gemm_ok", gemm_doc({{"complete", true}, {"efficiency", 0.62},
                                           {"tflops", 613.4}, {"peak_tflops", 989.4}}));
  const ComputeCalibration c = read_gemm_summary(p);
  EXPECT_EQ(c.gpu_spec, "h100");
  EXPECT_EQ(c.tp, 8);
  EXPECT_DOUBLE_EQ(c.efficiency.at("bf16"), 0.62);
  // Into a profile and back: meshplan reads it from there.
  const nlohmann::json profile = make_profile({}, {}, "", c);
  const auto pp = write("profile_with_compute", profile);
  const Profile back = read_profile(pp);
  ASSERT_TRUE(back.compute.has_value());
  EXPECT_DOUBLE_EQ(back.compute->efficiency.at("bf16"), 0.62);
  EXPECT_EQ(back.compute->model, "llama3-8b");
  EXPECT_FALSE(read_profile(write("profile_without", make_profile({}, {}))).compute.has_value());
}

TEST(GemmCalibration, BadInputNamesTheFileAndField) {
  EXPECT_NE(error_of(write("gemm_eff", gemm_doc({{"complete", true}, {"efficiency", 3.0},
                                                 {"tflops", 1.0}})))
                .find("summary.bf16.efficiency: 3 is not an efficiency"),
            std::string::npos);
  EXPECT_NE(error_of(write("gemm_incomplete", gemm_doc({{"complete", false}, {"efficiency", nullptr},
                                                        {"tflops", nullptr}})))
                .find("no precision with a complete measurement"),
            std::string::npos);
  nlohmann::json wrong_schema = gemm_doc({});
  wrong_schema["schema"] = "meshbench.run/1";
  EXPECT_NE(error_of(write("gemm_schema", wrong_schema)).find("schema is not meshbench.gemm/1"),
            std::string::npos);
  nlohmann::json no_layout = gemm_doc({{"complete", true}, {"efficiency", 0.5}, {"tflops", 1.0}});
  no_layout.erase("layout");
  EXPECT_NE(error_of(write("gemm_layout", no_layout)).find("gemm_layout.json"), std::string::npos);
}

}  // namespace
}  // namespace meshbench::fit
