#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "fit/alpha_beta.hpp"
#include "fit/csv_table.hpp"
#include "fit/regimes.hpp"
#include "fit/series_fit.hpp"
#include "fit/sweep_results.hpp"

namespace meshbench::fit {
namespace {

/// Sizes 8 B .. 4 MiB by factor 2 with t = alpha + beta * n and multiplicative noise.
std::vector<TimePoint> synthetic(double alpha_us, double bw_GBps, double noise, unsigned seed,
                                 double lo = 8, double hi = 4 << 20) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> gauss(0.0, noise);
  std::vector<TimePoint> pts;
  for (double b = lo; b <= hi; b *= 2) {
    const double t = alpha_us + b / (bw_GBps * 1e3);
    pts.push_back({b, t * (1.0 + gauss(rng))});
  }
  return pts;
}

TEST(FitLine, RecoversExactParameters) {
  const auto f = fit_line(synthetic(5.0, 12.5, 0.0, 1));
  EXPECT_NEAR(f.alpha_us, 5.0, 1e-9);
  EXPECT_NEAR(f.bw_GBps(), 12.5, 1e-9);
  EXPECT_NEAR(f.max_rel_residual, 0.0, 1e-9);
  EXPECT_NEAR(f.r_squared, 1.0, 1e-12);
  EXPECT_EQ(f.n_points, 20u);
}

TEST(FitLine, RecoversAlphaAndBetaWithinTwoPercentUnderNoise) {
  // 1% multiplicative noise, 5 repetitions of every size (as --benchmark_repetitions gives).
  for (unsigned seed = 1; seed <= 20; ++seed) {
    std::vector<TimePoint> pts;
    for (unsigned r = 0; r < 5; ++r) {
      const auto s = synthetic(20.0, 3.0, 0.01, seed * 100 + r);
      pts.insert(pts.end(), s.begin(), s.end());
    }
    const auto f = fit_line(pts);
    EXPECT_NEAR(f.alpha_us / 20.0, 1.0, 0.02) << "seed " << seed;
    EXPECT_NEAR(f.bw_GBps() / 3.0, 1.0, 0.02) << "seed " << seed;
    // The 95% interval covers the truth in (nearly) every draw.
    EXPECT_LT(std::abs(f.alpha_us - 20.0), 2 * f.alpha_ci95_us + 1e-9) << "seed " << seed;
  }
}

TEST(FitLine, NegativeAlphaIsConstrainedToTheBestLineThroughTheOrigin) {
  // Unconstrained, these points give alpha = -5 us exactly.
  const std::vector<TimePoint> pts = {{1000, 5}, {2000, 15}, {4000, 35}, {8000, 75}};
  const LineFit f = fit_line(pts);
  EXPECT_EQ(f.constraint, "alpha=0");
  EXPECT_DOUBLE_EQ(f.alpha_us, 0);
  EXPECT_GT(f.beta_us_per_byte, 0);
  // The through-origin weighted optimum: sum(x/y) / sum(x^2/y^2).
  double sxy = 0, sxx = 0;
  for (const auto& p : pts) {
    sxy += p.bytes / p.time_us;
    sxx += p.bytes * p.bytes / (p.time_us * p.time_us);
  }
  EXPECT_NEAR(f.beta_us_per_byte, sxy / sxx, 1e-12);
  EXPECT_GT(f.bw_GBps(), 0);
}

TEST(FitLine, TimeFallingWithSizeHasNoBandwidthTerm) {
  const std::vector<TimePoint> pts = {{8, 2.0}, {16, 1.9}, {32, 1.8}};
  const LineFit f = fit_line(pts);
  EXPECT_EQ(f.constraint, "beta=0");
  EXPECT_DOUBLE_EQ(f.beta_us_per_byte, 0);
  EXPECT_GT(f.alpha_us, 1.8);
  EXPECT_LT(f.alpha_us, 2.0);
  const LineFit ok = fit_line(std::vector<TimePoint>{{8, 2}, {16, 3}, {32, 5}});
  EXPECT_EQ(ok.constraint, "");
}

TEST(FitLine, RejectsDegenerateInput) {
  EXPECT_THROW(fit_line(std::vector<TimePoint>{{8, 1}}), std::invalid_argument);
  EXPECT_THROW(fit_line(std::vector<TimePoint>{{8, 1}, {8, 2}}), std::invalid_argument);
  EXPECT_THROW(fit_line(std::vector<TimePoint>{{8, 1}, {16, 0}}), std::invalid_argument);
}

TEST(FitRegimes, OneLineWhenThereIsNoStep) {
  const auto fits = fit_regimes(synthetic(3.0, 10.0, 0.02, 7));
  ASSERT_EQ(fits.size(), 1u);
  EXPECT_NEAR(fits[0].bw_GBps() / 10.0, 1.0, 0.05);
}

TEST(FitRegimes, FindsTheRendezvousStep) {
  // Eager below 32 KiB (alpha 1 us, 4 GB/s), rendezvous from 64 KiB (alpha 15 us, 12 GB/s).
  auto small = synthetic(1.0, 4.0, 0.01, 3, 8, 32768);
  const auto large = synthetic(15.0, 12.0, 0.01, 4, 65536, 4 << 20);
  small.insert(small.end(), large.begin(), large.end());
  const auto fits = fit_regimes(small);
  ASSERT_EQ(fits.size(), 2u);
  EXPECT_EQ(fits[0].bytes_max, 32768);
  EXPECT_EQ(fits[1].bytes_min, 65536);
  EXPECT_NEAR(fits[0].alpha_us, 1.0, 0.05);
  EXPECT_NEAR(fits[1].bw_GBps() / 12.0, 1.0, 0.03);
}

TEST(FitRegimes, FindsAStepBetweenCandidatesOnALongLinearSweep) {
  // 3000 sizes in 4 KiB steps (beyond the exact search): the protocol step at size index 1237,
  // which falls between two breakpoint candidates, is found exactly after refinement, as the
  // exact search over 400 sizes finds a step at 64 KiB.
  for (const auto& [sizes, step] : {std::pair<std::size_t, std::size_t>{3000, 1237}, {400, 16}}) {
    std::vector<TimePoint> pts;
    for (std::size_t i = 1; i <= sizes; ++i) {
      const double bytes = 4096.0 * static_cast<double>(i);
      pts.push_back({bytes, i < step ? 10 + bytes / 5e3 : 60 + bytes / 9e3});
    }
    const auto fits = fit_regimes(pts);
    ASSERT_EQ(fits.size(), 2u) << sizes;
    EXPECT_DOUBLE_EQ(fits[1].bytes_min, 4096.0 * static_cast<double>(step)) << sizes;
    EXPECT_NEAR(fits[1].alpha_us, 60, 1e-6);
  }
}

TEST(FitRegimes, RefusesTooFewSizes) {
  EXPECT_THROW(fit_regimes(std::vector<TimePoint>{{8, 1}, {16, 1.1}}), std::invalid_argument);
  // Never a regime of fewer than 3 sizes, even where a step would invite one.
  std::vector<TimePoint> pts = synthetic(1.0, 4.0, 0.0, 1, 8, 1024);
  pts.push_back({2048, 500});
  for (const auto& f : fit_regimes(pts)) EXPECT_GE(f.n_points, 3u);
}

class ResultsFile : public ::testing::Test {
 protected:
  std::filesystem::path write(const std::string& text) {
    const auto path = std::filesystem::temp_directory_path() /
                      ("meshfit_test_" + std::to_string(counter_++) + ".csv");
    std::ofstream(path) << text;
    paths_.push_back(path);
    return path;
  }
  std::string error_of(const std::string& text) {
    try {
      read_sweep_results(write(text));
    } catch (const InputError& e) {
      return e.what();
    }
    return "no error";
  }
  void TearDown() override {
    for (const auto& p : paths_) std::filesystem::remove(p);
  }
  static constexpr const char* kHeader = "op,dtype,ranks,group,bytes,time_us_p50,busbw_factor,repetition\n";

 private:
  int counter_ = 0;
  std::vector<std::filesystem::path> paths_;
};

TEST_F(ResultsFile, ReadsRowsAndFitsSeries) {
  std::string text = kHeader;
  for (int b = 8; b <= 1024; b *= 2) {
    text += "all_reduce,float32,2,world," + std::to_string(b) + "," +
            std::to_string(2.0 + b / 1000.0) + ",1,0\n";
  }
  const auto rows = read_sweep_results(write(text));
  ASSERT_EQ(rows.size(), 8u);
  EXPECT_EQ(rows[0].op, "all_reduce");
  EXPECT_EQ(rows[0].line, 2u);
  const auto fits = fit_series(rows);
  ASSERT_EQ(fits.size(), 1u);
  ASSERT_EQ(fits[0].regimes.size(), 1u);
  EXPECT_NEAR(fits[0].regimes[0].alpha_us, 2.0, 1e-3);
  EXPECT_NEAR(*fits[0].predicted_time_us(512), 2.512, 1e-3);
}

TEST_F(ResultsFile, BadInputNamesFileLineColumnAndValue) {
  const std::string h = kHeader;
  EXPECT_NE(error_of(h + "all_reduce,float32,2,world,8,abc,1,0\n").find(":2: column 'time_us_p50': not a finite number: 'abc'"),
            std::string::npos);
  EXPECT_NE(error_of(h + "all_reduce,float32,2,world,8,-1,1,0\n").find("time must be > 0"),
            std::string::npos);
  EXPECT_NE(error_of(h + "all_reduce,float32,2,world,8,nan,1,0\n").find("'nan'"), std::string::npos);
  EXPECT_NE(error_of(h + "all_reduce,float32,2,world,8,1.0\n").find(":2: 6 fields, the header has 8"),
            std::string::npos);
  EXPECT_NE(error_of("op,dtype,ranks,group,bytes,busbw_factor\nall_reduce,float32,2,world,8,1\n")
                .find("missing column 'time_us_p50'"),
            std::string::npos);
  EXPECT_NE(error_of(h + "allreduz,float32,2,world,8,1,1,0\n").find("unknown op 'allreduz'"),
            std::string::npos);
  EXPECT_NE(error_of(h + "all_reduce,float32,2,world,8.5,1,1,0\n").find("column 'bytes'"),
            std::string::npos);
  EXPECT_NE(error_of(h + "all_reduce,float32,2,world,8,1,1,0\nall_reduce,float32,2,world,8,2,1,0\n")
                .find(":3: duplicate row"),
            std::string::npos);
  EXPECT_NE(error_of(h).find("no data rows"), std::string::npos);
  EXPECT_NE(error_of("").find("empty file"), std::string::npos);
  EXPECT_NE(error_of(h + "all_reduce,\"float32,2,world,8,1,1,0\n").find("malformed CSV"),
            std::string::npos);
  EXPECT_NE(error_of(std::string("op,op\n1,2\n")).find("appears twice"), std::string::npos);
}

TEST_F(ResultsFile, FitsTheChosenTimeColumn) {
  const auto path = write(
      "op,dtype,ranks,group,bytes,time_us_p50,time_us_min,busbw_factor\n"
      "send_recv,float32,2,world,8,9.0,1.0,1\n");
  EXPECT_DOUBLE_EQ(read_sweep_results(path)[0].time_us, 9.0);
  EXPECT_DOUBLE_EQ(read_sweep_results(path, "time_us_min")[0].time_us, 1.0);
  EXPECT_THROW(read_sweep_results(path, "time_us_mean"), InputError);
}

TEST(CsvTable, MissingFileIsAnInputError) {
  EXPECT_THROW(CsvTable::read("/nonexistent/results.csv"), InputError);
}

}  // namespace
}  // namespace meshbench::fit
