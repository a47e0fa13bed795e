#pragma once
// The measurement flags the harness's commands share (sweep, compare, pattern), and their
// conversion to the harness's MeasureSettings (bench/harness.hpp).

#include <CLI/CLI.hpp>

#include <optional>

#include "bench/harness.hpp"

namespace meshbench {

/// The flags as typed. -n given selects fixed iteration counts (nccl-tests' behaviour); without
/// it the harness measures adaptively.
struct MeasureFlags {
  std::optional<int> iters;         ///< -n
  std::optional<int> warmup_iters;  ///< -w
  double precision = MeasureSettings{}.precision;
  int min_iters = MeasureSettings{}.min_iters;
  double min_time_s = MeasureSettings{}.min_time_s;
  double max_time_s = MeasureSettings{}.max_time_s;
  double warmup_time_s = MeasureSettings{}.warmup_max_time_s;
};

/// Adds -n, -w, --precision, --min-iters, --min-time, --max-time and --warmup-time to `sub`;
/// `what` names one iteration in the help ("iterations", "steps").
void add_measure_flags(CLI::App* sub, MeasureFlags& flags, const char* what);

/// Validates and converts. `fixed_warmup_default` is -w's default in fixed mode. Throws
/// UsageError naming the flag and value (-n < 1, -w < 0, precision outside (0, 1), negative or
/// non-finite times, min-time > max-time).
MeasureSettings to_measure_settings(const MeasureFlags& flags, int fixed_warmup_default);

/// "adaptive (p50 95% CI +-1%, 10+ iterations, <= 0.05 s per point, warm-up until stable)" or
/// "fixed (-n 20, -w 5)": the settings in one line for the console and run.json.
std::string describe_measure_settings(const MeasureSettings& s);

}  // namespace meshbench
