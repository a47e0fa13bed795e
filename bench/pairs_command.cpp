#include "bench/pairs_command.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <thread>

#include "bench/interrupt.hpp"
#include "bench/pair_matrix.hpp"
#include "bench/reporters/run_output.hpp"
#include "bench/reporters/run_record.hpp"
#include "bench/stats.hpp"
#include "bench/sweep_config.hpp"
#include "patterns/units.hpp"

namespace meshbench {
namespace {

std::uint64_t message_bytes(const char* flag, const std::string& text) {
  std::uint64_t bytes = 0;
  try {
    bytes = parse_bytes(text);
  } catch (const SizeParseError& e) {
    throw UsageError(fmt::format("{}: {}", flag, e.what()));
  }
  if (bytes < 4) throw UsageError(fmt::format("{} must be >= 4 bytes, got {}", flag, text));
  return bytes / 4 * 4;  // float32 elements
}

}  // namespace

CLI::App* add_pairs_command(CLI::App& app, PairsOptions& o) {
  CLI::App* sub = app.add_subcommand(
      "pairs",
      "Node-pair matrix: latency and bandwidth between every pair of nodes, one rank per node,\n"
      "in rounds of disjoint pairs (run under mpiexec with one or more ranks per node).");
  sub->add_option("--latency-bytes", o.latency_bytes, "Message size for latency")
      ->capture_default_str();
  sub->add_option("--bandwidth-bytes", o.bandwidth_bytes, "Message size for bandwidth")
      ->capture_default_str();
  add_measure_flags(sub, o.measure, "round trips");
  sub->add_option("--wait", o.wait, "spin, yield or auto")->capture_default_str();
  sub->add_option("--out", o.out_dir, "Output folder (default results/<time>-pairs-<K>nodes)");
  return sub;
}

int run_pairs(MpiRuntime& mpi, const PairsOptions& o, const std::vector<std::string>& command_line) {
  const std::uint64_t lat_bytes = message_bytes("--latency-bytes", o.latency_bytes);
  const std::uint64_t bw_bytes = message_bytes("--bandwidth-bytes", o.bandwidth_bytes);
  // -w defaults to 3 untimed round trips in fixed mode, as before the harness.
  const MeasureSettings measure = to_measure_settings(o.measure, 3);
  const Topology topo = mpi.discover_topology();
  if (topo.nodes < 2) {
    throw UsageError(fmt::format("pairs needs ranks on 2 or more nodes; this job has {} node",
                                 topo.nodes));
  }
  const WaitMode mode = mpi.choose_wait_mode(o.wait, topo);
  auto world = mpi.world(mode);
  const bool root = topo.rank == 0;
  const auto nodes = static_cast<std::size_t>(topo.nodes);
  const std::filesystem::path out_dir =
      o.out_dir.empty() ? default_run_dir(fmt::format("pairs-{}nodes", topo.nodes))
                        : std::filesystem::path(o.out_dir);
  std::ofstream csv;
  setup_on_root(*world, [&] {
    create_run_dir(out_dir);
    csv = open_new_file(out_dir / "pairs.csv");
    csv << "node_a,node_b,host_a,host_b,round,latency_bytes,latency_us_p50,latency_us_min,"
           "bandwidth_bytes,bandwidth_time_us_p50,bw_GBps\n";
    csv.flush();
  });

  nlohmann::json record;
  if (root) {
    // How the matrix was made; rewritten with the end time when it is done.
    record = make_run_record(RunRecordInputs{
        "pairs", command_line, topo, wait_mode_name(mode), mpi.library_version(),
        mpi.transport_version(), std::thread::hardware_concurrency(), "mpi", nullptr,
        {{"latency_bytes", lat_bytes}, {"bandwidth_bytes", bw_bytes},
         {"measure", measure_settings_json(measure)}},
        {{"pairs_csv", "pairs.csv"}}});
    write_json_file(out_dir / "run.json", record);
    fmt::print("# meshbench pairs: {} nodes, one rank each, wait mode {}; latency at {} B, "
               "bandwidth at {} B; {}\n",
               topo.nodes, wait_mode_name(mode), lat_bytes, bw_bytes,
               describe_measure_settings(measure));
    std::fflush(stdout);
  }
  std::size_t rows_written = 0;
  std::vector<PairMeasurement> rows;
  try {
    rows = measure_pair_matrix(
        *world, topo, lat_bytes, bw_bytes, measure,
        [&](const std::vector<PairMeasurement>& round) {
          rows_written += round.size();
          for (const PairMeasurement& r : round) {
            fmt::print(csv, "{},{},{},{},{},{},{:.9g},{:.9g},{},{:.9g},{:.9g}\n", r.node_a, r.node_b,
                       topo.node_hosts[static_cast<std::size_t>(r.node_a)],
                       topo.node_hosts[static_cast<std::size_t>(r.node_b)], r.round, lat_bytes,
                       r.latency_us_p50, r.latency_us_min, bw_bytes, r.bandwidth_time_us_p50,
                       r.bw_GBps);
          }
          csv.flush();
        });
  } catch (const Interrupted&) {  // every rank, after a round: its rows are in pairs.csv
    if (root) {
      finish_run_record(record, kInterruptedExitCode, rows_written, std::nullopt);
      write_json_file(out_dir / "run.json", record);
    }
    throw;
  }

  if (root) {
    auto at = [&](std::size_t a, std::size_t b, int field) {
      if (a > b) std::swap(a, b);
      for (const PairMeasurement& r : rows) {
        if (static_cast<std::size_t>(r.node_a) == a && static_cast<std::size_t>(r.node_b) == b) {
          return field == 0 ? r.latency_us_p50 : r.bw_GBps;
        }
      }
      return 0.0;
    };
    for (const auto& [title, field, unit] :
         {std::tuple{"latency p50", 0, "us"}, std::tuple{"bandwidth", 3, "GB/s"}}) {
      fmt::print("#\n# {} ({}), node x node\n# {:>16}", title, unit, "");
      for (std::size_t b = 0; b < nodes; ++b) fmt::print(" {:>10}", topo.node_hosts[b].substr(0, 10));
      fmt::print("\n");
      for (std::size_t a = 0; a < nodes; ++a) {
        fmt::print("  {:>16}", topo.node_hosts[a].substr(0, 16));
        for (std::size_t b = 0; b < nodes; ++b) {
          if (a == b) {
            fmt::print(" {:>10}", "-");
          } else {
            fmt::print(" {:>10.4g}", at(a, b, field));
          }
        }
        fmt::print("\n");
      }
    }
    // The node whose pairs are slowest: its median pair bandwidth against the median over
    // nodes (with few nodes most pairs touch a slow node, so the median pair would hide it).
    const std::vector<double> node_bw = node_median_bandwidth(rows, topo.nodes);
    const auto slowest = static_cast<std::size_t>(
        std::min_element(node_bw.begin(), node_bw.end()) - node_bw.begin());
    const double typical = summarize(node_bw).p50;
    fmt::print("#\n# slowest node: {} ({}), median bandwidth of its pairs {:.4g} GB/s = {:.0f}% "
               "of the median node ({:.4g} GB/s)\n# results: {}/pairs.csv\n",
               slowest, topo.node_hosts[slowest], node_bw[slowest],
               100.0 * node_bw[slowest] / typical, typical, out_dir.string());
    finish_run_record(record, 0, rows.size(), std::nullopt);  // pairs verify no data
    write_json_file(out_dir / "run.json", record);
  }
  return 0;
}

}  // namespace meshbench
