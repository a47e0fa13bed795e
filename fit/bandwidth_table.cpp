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

std::optional<double> fitted_busbw(const SeriesFit& s, std::uint64_t bytes) {
  const auto t = s.predicted_time_us(static_cast<double>(bytes));
  if (!t || *t <= 0) return std::nullopt;
  return algbw_GBps(bytes, *t) * s.busbw_factor;
}

std::set<std::uint64_t> all_sizes(const std::vector<SeriesFit>& fits) {
  std::set<std::uint64_t> sizes;
  for (const auto& s : fits) {
    for (const auto& m : s.points) sizes.insert(m.bytes);
  }
  return sizes;
}

std::string cell(const std::optional<double>& v) { return v ? fmt::format("{:.4g}", *v) : "-"; }

}  // namespace

std::string bandwidth_text(double bw_GBps) {
  // beta <= 0: time does not grow with size in this regime (latency-bound or noise).
  return bw_GBps > 0 ? fmt::format("{:.4g}", bw_GBps) : "n/a (beta <= 0)";
}

std::string bandwidth_table_markdown(const std::vector<SeriesFit>& fits) {
  std::string md = "# Bandwidth table\n\nbusbw in GB/s (1e9 B/s), measured / alpha-beta fit; "
                   "measured uses the fitted time column (median over repetitions); size is the "
                   "nccl-tests size.\n\n| size |";
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

void write_bandwidth_table_csv(const std::vector<SeriesFit>& fits,
                               const std::filesystem::path& file) {
  std::ofstream out(file);
  if (!out) throw std::runtime_error(fmt::format("cannot write '{}'", file.string()));
  out << "bytes";
  for (const auto& s : fits) {
    fmt::print(out, ",{0} busbw_GBps,{0} busbw_fit_GBps", s.key.label());
  }
  out << "\n";
  auto num = [](const std::optional<double>& v) { return v ? fmt::format("{:.9g}", *v) : ""; };
  for (std::uint64_t bytes : all_sizes(fits)) {
    out << bytes;
    for (const auto& s : fits) {
      out << "," << num(measured_busbw(s, bytes)) << "," << num(fitted_busbw(s, bytes));
    }
    out << "\n";
  }
  if (!out) throw std::runtime_error(fmt::format("cannot write '{}'", file.string()));
}

}  // namespace meshbench::fit
