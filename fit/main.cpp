// meshfit: offline alpha-beta fits of meshbench results, and bandwidth tables.
//
// Exit codes: 0 success; 1 I/O failure; 2 bad input (unreadable or invalid CSV, bad flags,
// nothing that could be fitted).

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "fit/bandwidth_table.hpp"
#include "fit/csv_table.hpp"
#include "fit/series_fit.hpp"
#include "fit/sweep_results.hpp"

namespace {

namespace fs = std::filesystem;
using namespace meshbench::fit;

struct FitOptions {
  std::string input;
  std::string out_dir;  ///< default: the input's folder
  std::string format = "text";
  std::string time_column = "time_us_p50";
};

void print_text(const std::vector<SeriesFit>& fits) {
  for (const auto& s : fits) {
    fmt::print("{} ({} points)\n", s.key.label(), s.points.size());
    if (s.regimes.empty()) fmt::print("  not fitted: {}\n", s.not_fitted_reason);
    for (const auto& r : s.regimes) {
      fmt::print("  {:>10.0f} - {:>10.0f} B: alpha {:9.3f} us (±{:.2g}), bw {} GB/s, "
                 "busbw {} GB/s, R^2 {:.4f}, rel. residual median {:.1f}% max {:.1f}%\n",
                 r.bytes_min, r.bytes_max, r.alpha_us, r.alpha_ci95_us, bandwidth_text(r.bw_GBps()),
                 bandwidth_text(r.bw_GBps() * s.busbw_factor), r.r_squared, 100 * r.median_rel_residual,
                 100 * r.max_rel_residual);
    }
  }
}

int run_fit(const FitOptions& o) {
  const fs::path input(o.input);
  const auto measurements = read_sweep_results(input, o.time_column);
  const auto fits = fit_series(measurements);
  const bool any = std::any_of(fits.begin(), fits.end(),
                               [](const SeriesFit& s) { return !s.regimes.empty(); });
  if (!any) {
    throw InputError(fmt::format("{}: no series has enough sizes to fit (need 3 distinct sizes "
                                 "per regime)", input.string()));
  }
  const fs::path out = o.out_dir.empty() ? input.parent_path() : fs::path(o.out_dir);
  std::error_code ec;
  fs::create_directories(out.empty() ? fs::path(".") : out, ec);
  if (ec) throw InputError(fmt::format("--out: cannot create '{}': {}", out.string(), ec.message()));

  const auto doc = fits_to_json(fits, input, o.time_column);
  {
    std::ofstream json(out / "fit.json");
    json << doc.dump(2) << "\n";
    if (!json) throw std::runtime_error(fmt::format("cannot write '{}'", (out / "fit.json").string()));
  }
  {
    std::ofstream md(out / "bandwidth_table.md");
    md << bandwidth_table_markdown(fits);
    if (!md) throw std::runtime_error(fmt::format("cannot write '{}'", (out / "bandwidth_table.md").string()));
  }
  write_bandwidth_table_csv(fits, out / "bandwidth_table.csv");

  if (o.format == "json") {
    std::cout << doc.dump(2) << "\n";
  } else {
    print_text(fits);
    fmt::print("wrote {}, {}, {}\n", (out / "fit.json").string(),
               (out / "bandwidth_table.md").string(), (out / "bandwidth_table.csv").string());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"meshfit: alpha-beta fits and bandwidth tables from meshbench results"};
  app.require_subcommand(1);
  FitOptions fit_options;
  CLI::App* fit = app.add_subcommand("fit", "Fit t = alpha + beta * bytes per size regime");
  fit->add_option("results", fit_options.input, "results.csv of a meshbench sweep")->required();
  fit->add_option("-o,--out", fit_options.out_dir, "Output folder (default: the input's folder)");
  fit->add_option("--format", fit_options.format, "text or json (to stdout)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  fit->add_option("--time-column", fit_options.time_column,
                  "Time statistic to fit: time_us_p50, time_us_min or time_us_mean (min resists "
                  "the outliers of a shared machine)")
      ->check(CLI::IsMember({"time_us_p50", "time_us_min", "time_us_mean"}))
      ->capture_default_str();
  try {
    app.parse(argc, argv);
    return run_fit(fit_options);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  } catch (const InputError& e) {
    fmt::print(stderr, "meshfit: error: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "meshfit: {}\n", e.what());
    return 1;
  }
}
