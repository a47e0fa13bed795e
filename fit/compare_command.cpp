#include "fit/compare_command.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <iostream>

#include "fit/compare_tables.hpp"
#include "fit/csv_table.hpp"
#include "patterns/collective.hpp"
#include "patterns/units.hpp"

namespace meshbench::fit {

CLI::App* add_compare_command(CLI::App& app, CompareOptions& o) {
  CLI::App* cmd = app.add_subcommand(
      "compare",
      "Bus bandwidth of CANDIDATE against REFERENCE, size by size, for every collective both\n"
      "measured on the same ranks and placement (e.g. meshbench --backend nccl results.csv\n"
      "against nccl-tests output from the same GPUs). Ratio = candidate busbw / reference busbw.");
  cmd->add_option("candidate", o.candidate, "meshbench results.csv, nccl-tests output, OSU output")
      ->required();
  cmd->add_option("reference", o.reference, "The same kinds of file")->required();
  cmd->add_flag("--candidate-in-place", o.candidate_import.in_place,
                "nccl-tests candidate: its in-place columns");
  cmd->add_flag("--reference-in-place", o.reference_import.in_place,
                "nccl-tests reference: its in-place columns");
  cmd->add_option("--op", o.candidate_import.op,
                  "The collective, where a file does not say (old nccl-tests output, OSU)");
  cmd->add_option("--large-from", o.large_from,
                  "Sizes from here on make the bandwidth summary (K/M/G suffixes)")
      ->capture_default_str();
  cmd->add_option("--tolerance", o.tolerance,
                  "Fail (exit 1) when a series' median ratio over the large sizes is off 1 by "
                  "more than this (0.05 = 5%)");
  cmd->add_option("--format", o.format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  return cmd;
}

int run_compare(const CompareOptions& given) {
  CompareOptions o = given;
  o.reference_import.op = o.candidate_import.op;
  std::uint64_t large_from = 0;
  try {
    large_from = parse_bytes(o.large_from);
  } catch (const SizeParseError& e) {
    throw InputError(fmt::format("--large-from: {}", e.what()));
  }
  if (!(o.tolerance >= 0 && o.tolerance < 1)) {
    throw InputError(fmt::format("--tolerance must be in [0, 1), got {}", o.tolerance));
  }
  const ImportedTable cand = import_table(o.candidate, o.candidate_import);
  const ImportedTable ref = import_table(o.reference, o.reference_import);
  std::vector<SeriesComparison> series;
  try {
    series = compare_measurements(cand.measurements, ref.measurements, large_from);
  } catch (const InputError& e) {  // nothing in common: say which two files
    throw InputError(fmt::format("{} against {}: {}", o.candidate, o.reference, e.what()));
  }

  // A tolerance judges the sizes from --large-from on; with none in common there is nothing to
  // judge, which is neither a pass nor a failure of the candidate.
  if (o.tolerance > 0 &&
      std::none_of(series.begin(), series.end(), [](auto& s) { return s.large_points > 0; })) {
    std::uint64_t largest = 0;
    for (const SeriesComparison& s : series) {
      for (const ComparedPoint& p : s.points) largest = std::max<std::uint64_t>(largest, p.bytes);
    }
    throw InputError(fmt::format("--tolerance: {} and {} have no size in common from --large-from "
                                 "{} B on (the largest in common is {} B); lower --large-from",
                                 o.candidate, o.reference, large_from, largest));
  }
  bool pass = true;
  nlohmann::json doc_series = nlohmann::json::array();
  auto within = [&](const SeriesComparison& s) {
    return s.large_points > 0 && std::abs(s.median_ratio_large - 1) <= o.tolerance;
  };
  for (const SeriesComparison& s : series) {
    if (o.tolerance > 0 && !within(s)) pass = false;
    nlohmann::json points = nlohmann::json::array();
    for (const ComparedPoint& p : s.points) {
      points.push_back({{"bytes", p.bytes}, {"candidate_us", p.candidate_us},
                        {"reference_us", p.reference_us},
                        {"candidate_busbw_GBps", algbw_GBps(p.bytes, p.candidate_us) * p.busbw_factor},
                        {"reference_busbw_GBps", algbw_GBps(p.bytes, p.reference_us) * p.busbw_factor},
                        {"ratio", p.ratio()}});
    }
    doc_series.push_back({{"op", s.op}, {"dtype", s.dtype}, {"ranks", s.ranks},
                          {"nodes", s.nodes}, {"ranks_per_node", s.ranks_per_node},
                          {"median_ratio", s.median_ratio},
                          {"median_ratio_large", s.large_points ? nlohmann::json(s.median_ratio_large)
                                                                : nlohmann::json(nullptr)},
                          {"large_points", s.large_points}, {"points", points}});
  }
  if (o.format == "json") {
    nlohmann::json doc{{"candidate", {{"source", o.candidate}, {"format", cand.format},
                                      {"software", cand.software}, {"hardware", cand.hardware}}},
                       {"reference", {{"source", o.reference}, {"format", ref.format},
                                      {"software", ref.software}, {"hardware", ref.hardware}}},
                       {"large_from_bytes", large_from}, {"series", doc_series}};
    if (o.tolerance > 0) doc["pass"] = pass;
    std::cout << doc.dump(2) << "\n";
    return pass ? 0 : 1;
  }
  fmt::print("# candidate: {} ({}{}{})\n# reference: {} ({}{}{})\n", o.candidate, cand.format,
             cand.software.empty() ? "" : ", " + cand.software,
             cand.hardware.empty() ? "" : ", " + cand.hardware, o.reference, ref.format,
             ref.software.empty() ? "" : ", " + ref.software,
             ref.hardware.empty() ? "" : ", " + ref.hardware);
  for (const SeriesComparison& s : series) {
    fmt::print("#\n# {}\n# {:>12} {:>12} {:>12} {:>12} {:>12} {:>7}\n", s.label(), "size(B)",
               "cand(us)", "ref(us)", "cand busbw", "ref busbw", "ratio");
    for (const ComparedPoint& p : s.points) {
      fmt::print("  {:>12} {:>12.2f} {:>12.2f} {:>12.3f} {:>12.3f} {:>7.3f}\n", p.bytes,
                 p.candidate_us, p.reference_us,
                 algbw_GBps(p.bytes, p.candidate_us) * p.busbw_factor,
                 algbw_GBps(p.bytes, p.reference_us) * p.busbw_factor, p.ratio());
    }
    fmt::print("# median ratio {:.3f} over {} sizes; from {}: {}{}\n", s.median_ratio,
               s.points.size(), format_bytes(large_from),
               s.large_points ? fmt::format("{:.3f} over {} sizes", s.median_ratio_large, s.large_points)
                              : "no sizes",
               o.tolerance > 0 ? (within(s) ? "  PASS" : fmt::format("  FAIL (tolerance {})", o.tolerance))
                               : "");
  }
  return pass ? 0 : 1;
}

}  // namespace meshbench::fit
