#include "bench/measure_flags.hpp"

#include <fmt/format.h>

#include <cmath>

#include "bench/sweep_config.hpp"

namespace meshbench {

void add_measure_flags(CLI::App* sub, MeasureFlags& f, const char* what) {
  sub->add_option("-n,--iters", f.iters,
                  fmt::format("Timed {} per point, exactly (nccl-tests' behaviour); without -n "
                              "the harness stops adaptively",
                              what));
  sub->add_option("-w,--warmup_iters", f.warmup_iters,
                  fmt::format("Untimed {} before them (default: 5 with -n, else until the time "
                              "per iteration is stable)",
                              what));
  sub->add_option("--precision", f.precision,
                  "Adaptive: stop when the p50's 95% confidence interval is within +- this "
                  "fraction of it")
      ->capture_default_str();
  sub->add_option("--min-iters", f.min_iters, fmt::format("Adaptive: timed {} at least", what))
      ->capture_default_str();
  sub->add_option("--min-time", f.min_time_s, "Adaptive: seconds of timed iterations at least, per point")
      ->capture_default_str();
  sub->add_option("--max-time", f.max_time_s, "Adaptive: seconds of timed iterations at most, per point")
      ->capture_default_str();
  sub->add_option("--warmup-time", f.warmup_time_s,
                  "Adaptive: seconds of warm-up at most, per point")
      ->capture_default_str();
}

MeasureSettings to_measure_settings(const MeasureFlags& f, int fixed_warmup_default) {
  MeasureSettings s;
  if (f.iters && *f.iters < 1) throw UsageError(fmt::format("-n/--iters must be >= 1, got {}", *f.iters));
  if (f.warmup_iters && *f.warmup_iters < 0) {
    throw UsageError(fmt::format("-w/--warmup_iters must be >= 0, got {}", *f.warmup_iters));
  }
  if (!(f.precision > 0 && f.precision < 1)) {
    throw UsageError(fmt::format("--precision must be in (0, 1), got {}", f.precision));
  }
  if (f.min_iters < 1 || f.min_iters > s.max_iters) {
    throw UsageError(fmt::format("--min-iters must be in [1, {}], got {}", s.max_iters, f.min_iters));
  }
  auto seconds = [](const char* flag, double v) {
    if (!std::isfinite(v) || v < 0 || v > 86400) {
      throw UsageError(fmt::format("{} must be seconds in [0, 86400], got {}", flag, v));
    }
  };
  seconds("--min-time", f.min_time_s);
  seconds("--max-time", f.max_time_s);
  seconds("--warmup-time", f.warmup_time_s);
  if (f.min_time_s > f.max_time_s) {
    throw UsageError(fmt::format("--min-time {} exceeds --max-time {}", f.min_time_s, f.max_time_s));
  }
  s.adaptive = !f.iters.has_value();
  if (f.iters) s.iters = *f.iters;
  s.warmup_iters = f.warmup_iters ? *f.warmup_iters : (s.adaptive ? -1 : fixed_warmup_default);
  s.precision = f.precision;
  s.min_iters = f.min_iters;
  s.min_time_s = f.min_time_s;
  s.max_time_s = f.max_time_s;
  s.warmup_max_time_s = f.warmup_time_s;
  return s;
}

std::string describe_measure_settings(const MeasureSettings& s) {
  if (!s.adaptive) return fmt::format("fixed (-n {}, -w {})", s.iters, s.warmup_iters);
  return fmt::format("adaptive (p50 95% CI +-{:g}%, {}+ iterations, {:g}-{:g} s per point, "
                     "warm-up {})",
                     100 * s.precision, s.min_iters, s.min_time_s, s.max_time_s,
                     s.warmup_iters < 0 ? fmt::format("until stable, <= {:g} s", s.warmup_max_time_s)
                                        : fmt::format("{} iterations", s.warmup_iters));
}

}  // namespace meshbench
