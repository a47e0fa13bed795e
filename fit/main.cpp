// meshfit: offline alpha-beta fits of meshbench results, and bandwidth tables.
//
// Exit codes: 0 success; 1 I/O failure, or `compare --tolerance` failed; 2 bad input
// (unreadable or invalid CSV, bad flags, nothing that could be fitted or compared).

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "fit/atomic_outputs.hpp"
#include "fit/bandwidth_table.hpp"
#include "fit/compare_command.hpp"
#include "fit/csv_table.hpp"
#include "fit/import_flags.hpp"
#include "fit/importers/import.hpp"
#include "fit/gemm_calibration.hpp"
#include "fit/profile.hpp"
#include "fit/scaling_command.hpp"
#include "patterns/mesh.hpp"
#include "patterns/units.hpp"
#include "fit/series_fit.hpp"
#include "fit/sweep_results.hpp"

namespace {

namespace fs = std::filesystem;
using namespace meshbench::fit;

struct FitOptions {
  std::vector<std::string> inputs;
  ImportOptions import;
  std::string out_dir;  ///< default: the input's folder
  std::string format = "text";
  std::string time_column = "time_us_p50";
  std::string algorithm;  ///< "" = per-op default (patterns/collective_cost.hpp)
  std::string gemm;       ///< gemm.json of meshbench gemm ("" = none)
};

struct PredictOptions {
  std::string profile, op, bytes, format = "text", algorithm;
  int ranks = 0, nodes = 1;
  int concurrent_groups = 1;  ///< groups of this shape running at once on each node
};

int run_predict(const PredictOptions& o) {
  // A collective on one rank moves nothing: its time and bandwidth are not defined.
  meshbench::checked_range(o.ranks, 2, meshbench::kMaxMeshRanks, "--ranks");
  meshbench::checked_range(o.nodes, 1, o.ranks, "--nodes");
  const Profile profile = read_profile(o.profile);
  const auto op = meshbench::parse_op(o.op);
  if (!op) throw InputError(fmt::format("--op: unknown op '{}'", o.op));
  double bytes = 0;
  try {
    bytes = static_cast<double>(meshbench::parse_bytes(o.bytes));
  } catch (const meshbench::SizeParseError& e) {
    throw InputError(fmt::format("--bytes: {}", e.what()));
  }
  const Prediction p = predict(profile, *op, bytes, o.ranks, o.nodes, o.algorithm, o.concurrent_groups);
  const ProfileRegime& r = p.entry->regimes[p.regime];
  if (o.format == "json") {
    nlohmann::json doc = {
        {"op", meshbench::op_name(*op)}, {"bytes", bytes}, {"ranks", o.ranks}, {"nodes", o.nodes},
        {"time_us", p.time_us}, {"algbw_GBps", p.algbw_GBps}, {"busbw_GBps", p.busbw_GBps},
        {"regime", p.regime}, {"regime_bytes", {r.bytes_min, r.bytes_max}},
        {"extrapolated", p.extrapolated}, {"algorithm", p.algorithm},
        {"entry", p.entry->label()}, {"source", p.entry->source},
        {"concurrent_groups", o.concurrent_groups}, {"note", p.note}};
    if (p.intra_entry) doc["intra_entry"] = p.intra_entry->label();
    std::cout << doc.dump(2) << "\n";
  } else {
    fmt::print("{} of {} B on {} ranks ({} node(s)): {:.4g} us, algbw {:.4g} GB/s, busbw {:.4g} "
               "GB/s\n  from {} ({}), regime {} ({:.0f}-{:.0f} B){}, algorithm {}{}\n",
               meshbench::op_name(*op), bytes, o.ranks, o.nodes, p.time_us, p.algbw_GBps,
               p.busbw_GBps, p.entry->label(), p.entry->source, p.regime + 1, r.bytes_min,
               r.bytes_max, p.extrapolated ? ", EXTRAPOLATED beyond the measured sizes" : "",
               p.algorithm, p.intra_entry ? ", intra link from " + p.intra_entry->label() : "");
    if (!p.note.empty()) fmt::print("  {}\n", p.note);
  }
  return 0;
}

void print_text(const std::vector<SeriesFit>& fits) {
  for (const auto& s : fits) {
    fmt::print("{} ({} points)\n", s.key.label(), s.points.size());
    if (s.regimes.empty()) fmt::print("  not fitted: {}\n", s.not_fitted_reason);
    for (const auto& m : s.outliers) {
      fmt::print("  outlier set aside: {} B, {} us (line {}), fit {:.4g} us\n", m.bytes, m.time_us,
                 m.line, *s.predicted_time_us(static_cast<double>(m.bytes)));
    }
    if (!s.regimes.empty()) {
      const FitAccuracy& a = s.accuracy;
      fmt::print("  accuracy: median |rel. error| {:.1f}% ({:.1f}% without outliers), max at >= "
                 "64 KiB {:.1f}% ({:.1f}% without outliers)\n",
                 100 * a.median_abs_rel_error, 100 * a.median_abs_rel_error_inliers,
                 100 * a.max_abs_rel_error_ge_64KiB, 100 * a.max_abs_rel_error_ge_64KiB_inliers);
    }
    for (const auto& r : s.regimes) {
      if (s.streaming_bandwidth()) {  // a rate over a window of messages: no latency to report
        fmt::print("  {:>10.0f} - {:>10.0f} B: streaming bandwidth {} GB/s, rel. residual median "
                   "{:.1f}% max {:.1f}%\n", r.bytes_min, r.bytes_max, bandwidth_text(r.bw_GBps()),
                   100 * r.median_rel_residual, 100 * r.max_rel_residual);
        continue;
      }
      fmt::print("  {:>10.0f} - {:>10.0f} B: alpha {:9.3f} us (±{:.2g}), bw {} GB/s, "
                 "busbw {} GB/s, R^2 {:.4f}, rel. residual median {:.1f}% max {:.1f}%\n",
                 r.bytes_min, r.bytes_max, r.alpha_us, r.alpha_ci95_us, bandwidth_text(r.bw_GBps()),
                 bandwidth_text(r.bw_GBps() * s.busbw_factor), r.r_squared, 100 * r.median_rel_residual,
                 100 * r.max_rel_residual);
    }
  }
}

int run_fit(FitOptions o) {
  o.import.time_column = o.time_column;
  std::vector<ImportedTable> tables;
  std::vector<Measurement> measurements;
  std::map<SeriesKey, std::string> series_file;  // one file per series: never mix two tables
  for (const auto& name : o.inputs) {
    tables.push_back(import_table(name, o.import));

    for (Measurement& m : tables.back().measurements) {
      m.source = name;
      const SeriesKey key{m.op, m.dtype, m.ranks, m.tier, m.nodes, m.ranks_per_node, m.group};
      const auto [it, fresh] = series_file.emplace(key, name);
      if (!fresh && it->second != name) {
        throw InputError(fmt::format("{} and {} both hold {}: fit them separately", it->second,
                                     name, key.label()));
      }
      measurements.push_back(m);
    }
  }
  const fs::path input(o.inputs.front());
  std::optional<ComputeCalibration> compute;
  if (!o.gemm.empty()) compute = read_gemm_summary(o.gemm);
  const auto fits = fit_series(measurements);
  const bool any = std::any_of(fits.begin(), fits.end(),
                               [](const SeriesFit& s) { return !s.regimes.empty(); });
  if (!any) {
    throw InputError(fmt::format("{}: no series has enough sizes to fit (need 3 distinct sizes "
                                 "per regime)", input.string()));
  }
  // A meshbench run's fit goes next to its results; other tables (often read-only) to results/.
  const fs::path out = !o.out_dir.empty()               ? fs::path(o.out_dir)
                       : tables.front().format == "meshbench" ? input.parent_path()
                                                              : fs::path("results") / input.stem();
  std::error_code ec;
  fs::create_directories(out.empty() ? fs::path(".") : out, ec);
  if (ec) throw InputError(fmt::format("--out: cannot create '{}': {}", out.string(), ec.message()));

  const auto doc = fits_to_json(fits, input, o.time_column);
  // Every output is built first and written to a temporary name; only when all are written are
  // they renamed over the old ones, so a failure never leaves a folder half old, half new.
  // Strings from the inputs (host names) may hold invalid UTF-8: dump replaces it.
  auto dump = [](const nlohmann::json& j) {
    return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  };
  const std::string profile_text = dump(make_profile(fits, tables, o.algorithm, compute));
  AtomicOutputs outputs(out);
  outputs.write("fit.json", dump(doc));
  outputs.write("bandwidth_table.md", bandwidth_table_markdown(fits));
  outputs.write("bandwidth_table.csv", bandwidth_table_csv(fits));
  outputs.write("profile.json", profile_text);
  outputs.commit();
  // What the importers inferred and skipped, once the run has succeeded (a refusal is one line).
  for (const ImportedTable& t : tables) {
    for (const auto& n : t.notes) fmt::print(stderr, "meshfit: inferred: {}\n", n);
    for (const auto& w : t.warnings) fmt::print(stderr, "meshfit: warning: {}: {}\n", t.source.string(), w);
  }

  if (o.format == "json") {
    std::cout << dump(doc);
  } else {
    print_text(fits);
    fmt::print("wrote {}, {}, {}, {}\n", (out / "fit.json").string(),
               (out / "profile.json").string(), (out / "bandwidth_table.md").string(),
               (out / "bandwidth_table.csv").string());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"meshfit: alpha-beta fits and bandwidth tables from meshbench results"};
  app.require_subcommand(1);
  FitOptions fit_options;
  CLI::App* fit = app.add_subcommand("fit", "Fit t = alpha + beta * bytes per size regime");
  fit->add_option("inputs", fit_options.inputs,
                  "Measurement files: meshbench results.csv, nccl-tests output (text or -J "
                  "JSON), OSU latency output")
      ->required();
  fit->add_option("--input-format", fit_options.import.format,
                  "auto, meshbench, nccl-tests, nccl-tests-json or osu")
      ->check(CLI::IsMember({"auto", "meshbench", "nccl-tests", "nccl-tests-json", "osu"}))
      ->capture_default_str();
  add_import_flags(*fit, fit_options.import);
  fit->add_flag("--in-place", fit_options.import.in_place,
                "nccl-tests: fit the in-place columns instead of out-of-place");
  fit->add_option("-o,--out", fit_options.out_dir,
                  "Output folder (default: a meshbench run's own folder, else results/<input "
                  "name>)");
  fit->add_option("--format", fit_options.format, "text or json (to stdout)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  fit->add_option("--time-column", fit_options.time_column,
                  "Time statistic to fit: time_us_p50, time_us_min or time_us_mean (min resists "
                  "the outliers of a shared machine)")
      ->check(CLI::IsMember({"time_us_p50", "time_us_min", "time_us_mean"}))
      ->capture_default_str();
  fit->add_option("--gemm", fit_options.gemm,
                  "gemm.json of `meshbench gemm`: the measured matmul efficiency goes into "
                  "profile.json (meshplan uses it instead of the calibrated one)");
  fit->add_option("--algorithm", fit_options.algorithm,
                  "Algorithm behind the per-link parameters of profile.json, for every op or "
                  "per op (all_reduce=recursive_doubling,all_gather=ring): " +
                      meshbench::algorithm_names() +
                      " (default: pipelined_ring for NCCL's measurements, ring for MPI's, "
                      "direct for point to point)");
  PredictOptions predict_options;
  CLI::App* predict_cmd = app.add_subcommand(
      "predict", "Time and busbw of a collective from a cluster profile (profile.json)");
  predict_cmd->add_option("--profile", predict_options.profile, "profile.json of meshfit fit")
      ->required();
  predict_cmd->add_option("--op", predict_options.op, "all_reduce, all_gather, ...")->required();
  predict_cmd->add_option("--bytes", predict_options.bytes, "nccl-tests size (K/M/G suffixes)")
      ->required();
  predict_cmd->add_option("--ranks", predict_options.ranks, "Ranks of the collective")->required();
  predict_cmd->add_option("--nodes", predict_options.nodes, "Nodes they span")
      ->capture_default_str();
  predict_cmd->add_option("--concurrent-groups", predict_options.concurrent_groups,
                          "Groups of this shape running at once on each node, sharing its links "
                          "(a mesh axis's groups in a step: ranks per node / the group's)")
      ->capture_default_str();
  predict_cmd->add_option("--algorithm", predict_options.algorithm,
                          "two_level (all_reduce across nodes: intra and inter entries), or the "
                          "entry's own algorithm (default)");
  predict_cmd->add_option("--format", predict_options.format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  CompareOptions compare_options;
  CLI::App* compare_cmd = add_compare_command(app, compare_options);
  ScalingOptions scaling_options;
  CLI::App* scaling_cmd = add_scaling_command(app, scaling_options);
  try {
    app.parse(argc, argv);
    if (predict_cmd->parsed()) return run_predict(predict_options);
    if (compare_cmd->parsed()) return run_compare(compare_options);
    if (scaling_cmd->parsed()) return run_scaling(scaling_options);
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
