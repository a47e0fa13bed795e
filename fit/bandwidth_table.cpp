#include "fit/bandwidth_table.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>

#include "patterns/collective.hpp"
#include "patterns/units.hpp"

namespace meshbench::fit {
namespace {

/// Measured busbw at `bytes`: median over the series' rows of that size.
std::optional<double> measured_busbw(const SeriesFit& s, std::uint64_t bytes) {
  std::vector<double> times;
  for (const Measurement& m : s.points) {
    if (m.bytes == bytes) times.push_back(m.time_us);
  }
  if (times.empty()) return std::nullopt;
  std::sort(times.begin(), times.end());
  const std::size_t k = times.size();
  const double t = k % 2 ? times[k / 2] : 0.5 * (times[k / 2 - 1] + times[k / 2]);
  return algbw_GBps(bytes, t) * s.busbw_factor;
}

/// Predicted busbw at `bytes`, within the measured size range only.
std::optional<double> fitted_busbw(const SeriesFit& s, std::uint64_t bytes) {
  if (s.points.empty() || bytes < s.points.front().bytes || bytes > s.points.back().bytes) {
    return std::nullopt;
  }
  const auto t = s.predicted_time_us(static_cast<double>(bytes));
  if (!t || *t <= 0) return std::nullopt;
  return algbw_GBps(bytes, *t) * s.busbw_factor;
}

/// Every power of two from the smallest measured size (rounded down) to the largest (up).
std::set<std::uint64_t> all_sizes(const std::vector<SeriesFit>& fits) {
  std::uint64_t lo = UINT64_MAX, hi = 0;
  for (const auto& s : fits) {
    for (const auto& m : s.points) {
      lo = std::min(lo, m.bytes);
      hi = std::max(hi, m.bytes);
    }
  }
  std::set<std::uint64_t> sizes;
  if (hi == 0) return sizes;
  std::uint64_t b = 1;
  while (b * 2 <= lo) b *= 2;
  for (; b < hi * 2 && b != 0; b *= 2) sizes.insert(b);
  return sizes;
}

/// Summary of one series: peak measured busbw and n_1/2, the size at which the fitted busbw
/// reaches half of that peak (bisection on the fit within the measured range).
struct Summary {
  double peak_busbw = 0;
  std::uint64_t peak_bytes = 0;
  std::optional<double> n_half_bytes;
};

Summary summarize_series(const SeriesFit& s) {
  Summary out;
  for (const Measurement& m : s.points) {
    const double b = algbw_GBps(m.bytes, m.time_us) * s.busbw_factor;
    if (b > out.peak_busbw) {
      out.peak_busbw = b;
      out.peak_bytes = m.bytes;
    }
  }
  if (s.regimes.empty() || out.peak_busbw <= 0) return out;
  const double half = out.peak_busbw / 2;
  auto fit = [&](double bytes) {
    const auto t = s.predicted_time_us(bytes);
    return (t && *t > 0) ? bytes / (*t * 1e3) * s.busbw_factor : 0.0;
  };
  // Sizes are > 0 (importers refuse 0 and beyond 2^50): the doubling below ends.
  double lo = std::max(1.0, static_cast<double>(s.points.front().bytes)), hi = lo;
  if (fit(lo) >= half) {
    out.n_half_bytes = lo;
    return out;
  }
  while (hi < static_cast<double>(s.points.back().bytes) && fit(hi) < half) {
    lo = hi;
    hi *= 2;
  }
  if (fit(hi) < half) return out;
  for (int i = 0; i < 60; ++i) {
    const double mid = 0.5 * (lo + hi);
    (fit(mid) < half ? lo : hi) = mid;
  }
  out.n_half_bytes = hi;
  return out;
}

std::string cell(const std::optional<double>& v) { return v ? fmt::format("{:.4g}", *v) : "-"; }

}  // namespace

std::string bandwidth_text(double bw_GBps) {
  // beta <= 0: time does not grow with size in this regime (latency-bound or noise).
  return bw_GBps > 0 ? fmt::format("{:.4g}", bw_GBps) : "n/a (beta <= 0)";
}

std::string bandwidth_table_markdown(const std::vector<SeriesFit>& fits) {
  std::string md = "# Bandwidth table\n\nbusbw in GB/s (1e9 B/s), measured / predicted by the "
                   "alpha-beta fit, one row per power-of-two size (\"-\": not measured at that "
                   "size); measured uses the fitted time column (median over repetitions); size is "
                   "the nccl-tests size; columns are (op, tier, k nodes x g ranks per node).\n\n"
                   "## Summary\n\n| series | alpha (us) | peak busbw (GB/s) | at | n_1/2 |\n"
                   "|---|---:|---:|---:|---:|\n";
  for (const auto& s : fits) {
    const Summary sum = summarize_series(s);
    md += fmt::format("| {} | {} | {:.4g} | {} | {} |\n", s.key.label(),
                      s.regimes.empty() || s.streaming_bandwidth() ? "-" : fmt::format("{:.3g}", s.regimes.front().alpha_us),
                      sum.peak_busbw, format_bytes(sum.peak_bytes),
                      sum.n_half_bytes ? format_bytes_approx(*sum.n_half_bytes) : "-");
  }
  md += "\nn_1/2: the size at which the fitted busbw reaches half the peak measured busbw.\n\n"
        "## Sources\n\n";
  for (const auto& s : fits) {
    for (const auto& o : s.origins()) md += fmt::format("- {}: {}\n", s.key.label(), o);
  }
  md += "\n"
        "## busbw per size\n\n| size |";
  std::string rule = "|---:|";
  for (const auto& s : fits) {
    md += fmt::format(" {} |", s.key.label());
    rule += "---:|";
  }
  md += "\n" + rule + "\n";
  for (std::uint64_t bytes : all_sizes(fits)) {
    md += fmt::format("| {} |", format_bytes(bytes));
    for (const auto& s : fits) {
      md += fmt::format(" {} / {} |", cell(measured_busbw(s, bytes)), cell(fitted_busbw(s, bytes)));
    }
    md += "\n";
  }
  md += "\n## Fitted regimes\n\n| series | sizes | points | alpha (us) | bw (GB/s) | busbw (GB/s) "
        "| R^2 | median / max rel. residual |\n|---|---|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& s : fits) {
    if (s.regimes.empty()) {
      md += fmt::format("| {} | not fitted: {} | {} | | | | | |\n", s.key.label(),
                        s.not_fitted_reason, s.points.size());
    }
    for (const auto& r : s.regimes) {
      md += fmt::format("| {} | {} - {} | {} | {:.3g} ± {:.2g} | {} | {} | {:.4f} | "
                        "{:.1f}% / {:.1f}% |\n",
                        s.key.label(), format_bytes(static_cast<std::uint64_t>(r.bytes_min)),
                        format_bytes(static_cast<std::uint64_t>(r.bytes_max)), r.n_points,
                        r.alpha_us, r.alpha_ci95_us, bandwidth_text(r.bw_GBps()),
                        bandwidth_text(r.bw_GBps() * s.busbw_factor), r.r_squared,
                        100 * r.median_rel_residual, 100 * r.max_rel_residual);
    }
  }
  return md;
}

std::string bandwidth_table_csv(const std::vector<SeriesFit>& fits) {
  std::string out = "bytes";
  for (const auto& s : fits) out += fmt::format(",{0} busbw_GBps,{0} busbw_fit_GBps", s.key.label());
  out += "\n";
  auto num = [](const std::optional<double>& v) { return v ? fmt::format("{:.9g}", *v) : ""; };
  for (std::uint64_t bytes : all_sizes(fits)) {
    out += std::to_string(bytes);
    for (const auto& s : fits) out += "," + num(measured_busbw(s, bytes)) + "," + num(fitted_busbw(s, bytes));
    out += "\n";
  }
  return out;
}

}  // namespace meshbench::fit
