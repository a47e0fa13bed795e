#include "fit/scaling_command.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

#include "fit/import_flags.hpp"
#include "fit/profile.hpp"
#include "fit/scaling_check.hpp"
#include "patterns/units.hpp"

namespace meshbench::fit {

CLI::App* add_scaling_command(CLI::App& app, ScalingOptions& o) {
  CLI::App* cmd = app.add_subcommand(
      "scaling",
      "Predict every point of measured tables from a profile fitted at another scale (fewer\n"
      "nodes or ranks) and set each prediction against the measurement: predicted / measured\n"
      "per size, with the median and worst |error| per series.");
  cmd->add_option("--profile", o.profile, "profile.json of meshfit fit")->required();
  cmd->add_option("measured", o.measured,
                  "Measurements at the scale to predict: meshbench results.csv, nccl-tests "
                  "output, OSU output")
      ->required();
  add_import_flags(*cmd, o.import);
  cmd->add_option("--min-bytes", o.min_bytes, "Smallest size compared (K/M/G suffixes)")
      ->capture_default_str();
  cmd->add_option("--tolerance", o.tolerance,
                  "Fail (exit 1) when a series' median |predicted / measured - 1| is above this "
                  "(0.15 = 15%)");
  cmd->add_option("--format", o.format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  return cmd;
}

namespace {

nlohmann::json to_json(const ScalingSeries& s) {
  nlohmann::json points = nlohmann::json::array();
  for (const ScalingPoint& p : s.points) {
    points.push_back({{"bytes", p.bytes}, {"measured_us", p.measured_us},
                      {"predicted_us", p.predicted_us}, {"ratio", p.ratio()}});
  }
  return {{"op", s.op}, {"dtype", s.dtype}, {"group", s.group}, {"ranks", s.ranks}, {"nodes", s.nodes},
          {"ranks_per_node", s.ranks_per_node}, {"concurrent_groups", s.concurrent_groups},
          {"source", s.source}, {"entry", s.entry}, {"algorithm", s.algorithm},
          {"note", s.note}, {"median_abs_error", s.median_abs_error},
          {"max_abs_error", s.max_abs_error}, {"points", points}};
}

void print_text(const ScalingSeries& s) {
  fmt::print("{} measured in {}\n  predicted from {}, algorithm {}{}\n", s.label(), s.source,
             s.entry, s.algorithm, s.note.empty() ? "" : "; " + s.note);
  fmt::print("  {:>12} {:>13} {:>13} {:>7}\n", "bytes", "measured_us", "predicted_us", "ratio");
  for (const ScalingPoint& p : s.points) {
    fmt::print("  {:>12.0f} {:>13.2f} {:>13.2f} {:>7.3f}\n", p.bytes, p.measured_us,
               p.predicted_us, p.ratio());
  }
  fmt::print("  median |error| {:.1f}%, worst {:.1f}%, over {} sizes\n",
             100 * s.median_abs_error, 100 * s.max_abs_error, s.points.size());
}

}  // namespace

int run_scaling(const ScalingOptions& o) {
  double min_bytes = 0;
  try {
    min_bytes = static_cast<double>(parse_bytes(o.min_bytes));
  } catch (const SizeParseError& e) {
    throw InputError(fmt::format("--min-bytes: {}", e.what()));
  }
  if (!(o.tolerance >= 0 && o.tolerance < 10)) {
    throw InputError(fmt::format("--tolerance must be in [0, 10), got {}", o.tolerance));
  }
  const Profile profile = read_profile(o.profile);
  std::vector<Measurement> measured;
  for (const std::string& file : o.measured) {
    ImportedTable t = import_table(file, o.import);
    for (Measurement& m : t.measurements) {
      if (m.origin.empty()) m.origin = file;  // meshbench's CSV rows name no origin
      if (m.source.empty()) m.source = file;
      measured.push_back(std::move(m));
    }
  }
  const std::vector<ScalingSeries> series = check_scaling(profile, measured, min_bytes);
  bool failed = false;
  nlohmann::json doc = nlohmann::json::array();
  for (const ScalingSeries& s : series) {
    failed = failed || (o.tolerance > 0 && s.median_abs_error > o.tolerance);
    if (o.format == "json") {
      doc.push_back(to_json(s));
    } else {
      print_text(s);
    }
  }
  if (o.format == "json") {
    std::cout << nlohmann::json{{"series", doc}}.dump(2, ' ', false,
                                                      nlohmann::json::error_handler_t::replace)
              << "\n";
  }
  return failed ? 1 : 0;
}

}  // namespace meshbench::fit
