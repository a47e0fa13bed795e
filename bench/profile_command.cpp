#include "bench/profile_command.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <map>
#include <set>
#include <tuple>

#include "bench/profile_plan.hpp"
#include "bench/reporters/run_output.hpp"
#include "bench/reporters/run_record.hpp"
#include "bench/sweep_command.hpp"
#include "fit/importers/import.hpp"
#include "fit/profile.hpp"
#include "fit/series_fit.hpp"
#include "patterns/mesh.hpp"
#include "patterns/units.hpp"

namespace meshbench {

CLI::App* add_profile_command(CLI::App& app, ProfileOptions& o) {
  CLI::App* sub = app.add_subcommand(
      "profile", "Measure a layout's own groups at the sizes its step traffic needs and fit them "
                 "into profile.json (run under mpiexec with the layout's number of ranks)");
  add_training_flags(sub, o.training);
  sub->add_option("--order", o.order, "Mesh order (as for sweep --order)")->capture_default_str();
  sub->add_option("--backend", o.backend, "mpi, nccl, or auto")->capture_default_str();
  sub->add_option("--wait", o.wait, "spin, yield or auto")->capture_default_str();
  sub->add_option("--out", o.out_dir, "Output folder (default results/<time>-profile-<N>ranks)");
  return sub;
}

int run_profile(MpiRuntime& mpi, const ProfileOptions& o, const std::vector<std::string>& command_line) {
  const TrafficInputs in = to_traffic_inputs(o.training);
  const Topology topo = mpi.discover_topology();
  if (in.layout.product() != topo.world_size) {
    throw UsageError(fmt::format("--layout {} has {} ranks, the job has {}",
                                 format_mesh_sizes(in.layout), in.layout.product(), topo.world_size));
  }
  std::vector<std::string> skipped;
  const std::vector<ProfileSweep> sweeps = profile_sweeps(in, skipped);
  if (sweeps.empty()) {
    throw UsageError(fmt::format("--layout {}: no axis of it carries traffic that one axis's "
                                 "groups can measure", format_mesh_sizes(in.layout)));
  }
  const std::filesystem::path out =
      o.out_dir.empty() ? default_run_dir(fmt::format("profile-{}ranks", topo.world_size))
                        : std::filesystem::path(o.out_dir);
  const bool root = topo.rank == 0;
  if (root) {
    fmt::print("# meshbench profile: {} on layout {} ({} ranks): {} sweep(s) on the layout's own "
               "groups, all groups at once\n", in.model.name, format_mesh_sizes(in.layout),
               topo.world_size, sweeps.size());
    for (const ProfileSweep& s : sweeps) {
      fmt::print("#   {}: {} from {} to {} ({})\n", s.axis, fmt::join(s.ops, ","),
                 format_bytes(s.min_bytes), format_bytes(s.max_bytes), fmt::join(s.rows, "; "));
    }
    for (const std::string& s : skipped) fmt::print("#   not measured: {}\n", s);
    std::fflush(stdout);
  }
  std::vector<std::filesystem::path> results;
  for (const ProfileSweep& s : sweeps) {
    SweepOptions opts;
    opts.min_bytes = std::to_string(s.min_bytes);
    opts.max_bytes = std::to_string(s.max_bytes);
    opts.step_factor = 2;
    opts.ops = s.ops;
    opts.mesh = format_mesh_sizes(in.layout);
    opts.order = o.order;
    opts.axis = s.axis;
    opts.backend = o.backend;
    opts.wait = o.wait;
    opts.out_dir = (out / ("sweep_" + s.axis)).string();
    const int rc = run_sweep(mpi, opts, MeasureMode::kSweep, {}, command_line);
    if (rc != 0) return rc;
    results.push_back(std::filesystem::path(opts.out_dir) / "results.csv");
  }
  // The fit, on rank 0 (it reads the files rank 0 wrote); every rank learns of a failure.
  auto world = mpi.world(WaitMode::kYield);
  setup_on_root(*world, [&] {
    std::vector<fit::ImportedTable> tables;
    std::vector<fit::Measurement> points;
    for (const auto& file : results) {
      tables.push_back(fit::import_table(file, fit::ImportOptions{}));
      for (fit::Measurement m : tables.back().measurements) {
        m.source = file.string();
        points.push_back(m);
      }
    }
    // Axes whose groups have one placement and concurrency (TP and DP inside one node) measured
    // the same link at different sizes: one series, fitted over all their sizes.
    std::map<std::tuple<std::string, std::string, std::string, int, int, int>, std::set<std::string>> shapes;
    auto shape_of = [](const fit::Measurement& m) {
      return std::tuple{m.op, m.dtype, m.tier, m.nodes, m.ranks_per_node, m.concurrent_groups};
    };
    for (const fit::Measurement& m : points) {
      if (m.group.find("[all]@") != std::string::npos) shapes[shape_of(m)].insert(m.group);
    }
    for (fit::Measurement& m : points) {
      const auto it = shapes.find(shape_of(m));
      if (it != shapes.end() && it->second.size() > 1 && it->second.count(m.group)) {
        m.group = fmt::format("{}", fmt::join(it->second, " + "));
      }
    }
    const std::vector<fit::SeriesFit> fits = fit::fit_series(points);
    const nlohmann::json profile = fit::make_profile(fits, tables);
    if (profile["entries"].empty()) {
      throw InputError(fmt::format("{}: no series had enough sizes to fit", out.string()));
    }
    write_json_file(out / "profile.json", profile);
    fmt::print("# profile: {} entr{} written to {}\n", profile["entries"].size(),
               profile["entries"].size() == 1 ? "y" : "ies", (out / "profile.json").string());
    for (const auto& e : profile["entries"]) {
      fmt::print("#   {} {} {}x{} ({} ranks, {} at once): {}\n", e["op"].get<std::string>(),
                 e["tier"].get<std::string>(), e["nodes"].get<int>(), e["ranks_per_node"].get<int>(),
                 e["ranks"].get<int>(), e["concurrent_groups"].get<int>(), e["group"].get<std::string>());
    }
  });
  return 0;
}

}  // namespace meshbench
