// meshplan: MFU ceiling and estimate of a layout, layout search, launch flags, and validation
// against published training runs.
//
// Exit codes: 0 success; 1 I/O failure; 2 bad input (flags, model, layout, profile, table).

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>

#include "fit/alpha_beta.hpp"
#include "fit/csv_table.hpp"
#include "fit/plan/plan_command.hpp"
#include "fit/plan/published_runs.hpp"

namespace {

using namespace meshbench;
using namespace meshbench::plan;

int run_validate(const std::string& file, const std::string& format, bool calibrate, bool search) {
  if (calibrate) {
    const Calibration c = plan::calibrate(file);
    fmt::print("elementwise passes {:.0f} (all generations) and, per generation, the matmul "
               "efficiency minimise the median |relative error|:\n", c.elementwise_passes);
    for (const auto& [gen, f] : c.generations) {
      fmt::print("{}: matmul efficiency {:.2f} over its {} rows; leave-one-out median |error| "
                 "{:.1f}% (max {:.1f}%); in-sample {:.1f}% (not an accuracy)\n", gen, f.efficiency,
                 f.rows, 100 * f.loo_median, 100 * f.loo_max, 100 * f.in_sample_median);
    }
    fmt::print("all generations: leave-one-out median |error| {:.1f}% (max {:.1f}%), every "
               "constant refitted without the row; in-sample {:.1f}%\n", 100 * c.loo_median,
               100 * c.loo_max, 100 * c.in_sample_median);
    return 0;
  }
  const Validation v = validate_runs(file, {}, -1, search);
  if (format == "json") {
    std::cout << validation_json(v).dump(2) << "\n";
    return 0;
  }
  fmt::print("# meshplan validate {}: MFU estimate vs reported (spec-sheet clusters, calibrated "
             "matmul efficiency per GPU generation)\n", file);
  fmt::print("# {:>4} {:>10} {:>7} {:>9} {:>9} {:>9} {:>8}  {}\n", "row", "model", "eff",
             "reported", "estimate", "ceiling", "error", "assumed");
  for (const RunCheck& c : v.rows) {
    std::string assumed;
    for (const auto& a : c.assumptions) assumed += (assumed.empty() ? "" : "; ") + a;
    fmt::print("  {:>4} {:>10} {:>7.2f} {:>8.1f}% {:>8.1f}% {:>8.1f}% {:>+7.1f}%  {}{}\n", c.row_id,
               c.model, c.estimate.matmul_efficiency, 100 * c.reported_mfu, 100 * c.predicted_mfu,
               100 * c.ceiling_mfu, 100 * c.rel_err, assumed,
               c.ceiling_mfu < c.reported_mfu ? "  CEILING BELOW REPORTED" : "");
  }
  if (search) {
    fmt::print("# the team's layout among search's (same model, GPUs, batch, precision, framework):\n"
               "# {:>4} {:>6} {:>7} {:>9} {:>9}  {}\n", "row", "rank", "of", "top MFU", "gap", "top choice");
    for (const RunCheck& c : v.rows) {
      const SearchComparison& x = *c.search;
      fmt::print("  {:>4} {:>6} {:>7} {:>8.1f}% {:>+8.1f}  {}{}\n", c.row_id,
                 x.rank > 0 ? std::to_string(x.rank) : "-", x.ranked, 100 * x.top_mfu, 100 * x.gap,
                 x.top_label, x.rank > 0 ? "" : "  (" + x.why_unranked + ")");
    }
  }
  for (const auto& [id, why] : v.skipped) fmt::print("  {:>4} skipped: {}\n", id, why);
  fmt::print("# {} rows: median |relative error| {:.1f}%, max {:.1f}%, ceiling below reported in "
             "{} row(s)\n", v.rows.size(), 100 * v.median_abs_rel_err, 100 * v.max_abs_rel_err,
             v.ceiling_violations);
  if (search) {
    fmt::print("# search's top choice is the team's layout in {} of {} rows\n", v.top_is_team, v.searched);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"meshplan: MFU ceiling and layout planning from traffic patterns and a cluster profile"};
  app.require_subcommand(1);
  PlanCommandOptions plan_options;
  CLI::App* plan_cmd = add_plan_command(app, plan_options);
  SearchCommandOptions search_options;
  CLI::App* search_cmd = add_search_command(app, search_options);
  std::string validate_file, validate_format = "text";
  bool calibrate = false;
  CLI::App* validate = app.add_subcommand(
      "validate", "Predicted vs reported MFU for each row of a published-runs CSV");
  validate->add_option("file", validate_file, "CSV with the columns of published_runs_public.csv")
      ->required();
  validate->add_option("--format", validate_format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  bool with_search = false;
  validate->add_flag("--search", with_search,
                     "Also search layouts for each row: the rank of the team's layout and the MFU gap "
                     "to the top choice");
  validate->add_flag("--calibrate", calibrate,
                     "Print the matmul efficiency per GPU generation that minimises the median error");
  try {
    app.parse(argc, argv);
    if (plan_cmd->parsed()) return run_plan(plan_options);
    if (search_cmd->parsed()) return run_search(search_options);
    return run_validate(validate_file, validate_format, calibrate, with_search);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  } catch (const InputError& e) {  // every kind of bad input (patterns/input_error.hpp)
    fmt::print(stderr, "meshplan: error: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "meshplan: {}\n", e.what());
    return 1;
  }
}
