#include "bench/reporters/table_reporter.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <string>

namespace meshbench {
namespace {

double counter(const benchmark::BenchmarkReporter::Run& run, const char* name, double fallback) {
  const auto it = run.counters.find(name);
  return it == run.counters.end() ? fallback : it->second.value;
}

}  // namespace

bool TableReporter::ReportContext(const Context& /*context*/) { return true; }

void TableReporter::ReportRuns(const std::vector<Run>& runs) {
  auto& out = GetOutputStream();
  for (const Run& run : runs) {
    if (run.run_type != Run::RT_Iteration) continue;
    // Benchmark names are "[<axis>@<order>/]<op>/<dtype>/<bytes>" (bench/sweep.cpp).
    const std::string name = run.run_name.function_name;
    const auto slash3 = name.rfind('/');
    const auto slash2 = name.rfind('/', slash3 - 1);
    const auto slash1 = name.rfind('/', slash2 - 1);
    const std::string placement = slash1 == std::string::npos ? "" : name.substr(0, slash1);
    const auto op_start = slash1 == std::string::npos ? 0 : slash1 + 1;
    const std::string op = name.substr(op_start, slash2 - op_start);
    const std::string dtype = name.substr(slash2 + 1, slash3 - slash2 - 1);
    const std::string size = name.substr(slash3 + 1);
    if (!header_printed_) {
      // A mesh run puts the axis and order first; a plain sweep looks like nccl-tests.
      with_placement_ = !placement.empty();
      const std::string lead = with_placement_ ? fmt::format("{:<24} ", "axis@order") : "";
      const std::string blank = with_placement_ ? fmt::format("{:<24} ", "") : "";
      fmt::print(out, "#\n# {}{:>14} {:>12} {:>8} {:>5} {:>6}  {:>10} {:>10} {:>10} {:>10} "
                      "{:>10} {:>6} {:>7} {:>6} {:>6}  {:>9} {:>9} {:>7}\n",
                 lead, "op", "size(B)", "type", "ranks", "groups", "min(us)", "p50(us)",
                 "mean(us)", "p99(us)", "max(us)", "cv", "iters", "warmup", "ci95", "algbw",
                 "busbw", "#wrong");
      fmt::print(out, "# {}{:>14} {:>12} {:>8} {:>5} {:>6}  {:>10} {:>10} {:>10} {:>10} {:>10} "
                      "{:>6} {:>7} {:>6} {:>6}  {:>9} {:>9} {:>7}\n",
                 blank, "", "", "", "", "", "", "", "", "", "", "", "", "", "(+-%)", "(GB/s)",
                 "(GB/s)", "");
      header_printed_ = true;
    }
    const std::string lead = with_placement_ ? fmt::format("{:<24} ", placement) : "";
    if (run.error_occurred) {
      fmt::print(out, "  {}{:>14} {:>12} {:>8}  ERROR: {}\n", lead, op, size, dtype,
                 run.error_message);
      continue;
    }
    const double wrong = counter(run, "wrong", -1);
    const std::string wrong_text = wrong < 0 ? "N/A" : fmt::format("{:.0f}", wrong);
    // Everything comes from the counters bench/sweep.cpp sets (Google Benchmark's own time is
    // the p50 it was given). ci95: the half-width of the p50's 95% interval, in % of the p50.
    const double p50 = counter(run, "time_us_p50", 0);
    const double ci = p50 > 0 ? 50 * (counter(run, "time_us_p50_ci_high", p50) -
                                      counter(run, "time_us_p50_ci_low", p50)) / p50
                              : 0;
    fmt::print(out,
               "  {}{:>14} {:>12} {:>8} {:>5.0f} {:>6.0f}  {:>10.2f} {:>10.2f} {:>10.2f} {:>10.2f} "
               "{:>10.2f} {:>6.3f} {:>7.0f} {:>6.0f} {:>6.2f}  {:>9.3f} {:>9.3f} {:>7}\n",
               lead, op, size, dtype, counter(run, "ranks", 0), counter(run, "groups", 1),
               counter(run, "time_us_min", 0), p50, counter(run, "time_us_mean", 0),
               counter(run, "time_us_p99", 0), counter(run, "time_us_max", 0),
               counter(run, "time_cv", 0), counter(run, "iters", 0),
               counter(run, "warmup_iters", 0), ci,
               counter(run, "algbw_GBps", 0), counter(run, "busbw_GBps", 0), wrong_text);
    out.flush();
    busbw_sum_ += counter(run, "busbw_GBps", 0);
    ++rows_;
    if (wrong >= 0) {
      any_checked_ = true;
      wrong_ += static_cast<std::uint64_t>(wrong);
    }
  }
}

void TableReporter::Finalize() {
  auto& out = GetOutputStream();
  if (rows_ == 0) return;
  fmt::print(out, "# Out of bounds values : {} {}\n", wrong_,
             !any_checked_ ? "(not checked)" : (wrong_ == 0 ? "OK" : "FAILED"));
  fmt::print(out, "# Avg bus bandwidth    : {:.4f} GB/s (mean of the rows' busbw)\n#\n",
             busbw_sum_ / static_cast<double>(rows_));
  out.flush();
}

}  // namespace meshbench
