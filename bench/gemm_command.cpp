#include "bench/gemm_command.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <optional>

#include "bench/gpu.hpp"
#include "bench/reporters/run_output.hpp"
#include "bench/reporters/run_record.hpp"
#include "bench/stats.hpp"
#include "bench/sweep_config.hpp"
#include "patterns/gpu_spec.hpp"

namespace meshbench {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<GemmPrecision> parse_precisions(const std::vector<std::string>& names) {
  std::vector<GemmPrecision> out;
  for (const std::string& n : names) {
    GemmPrecision p;
    if (n == "bf16") {
      p = GemmPrecision::kBf16;
    } else if (n == "fp8") {
      p = GemmPrecision::kFp8;
    } else {
      throw UsageError(fmt::format("--precision: unknown precision '{}' (bf16 or fp8)", n));
    }
    if (std::find(out.begin(), out.end(), p) != out.end()) {
      throw UsageError(fmt::format("--precision: '{}' is given twice", n));
    }
    out.push_back(p);
  }
  return out;
}

double median_of(std::vector<double> v) {
  std::erase_if(v, [](double x) { return std::isnan(x); });
  return v.empty() ? kNaN : summarize(std::move(v)).p50;
}

nlohmann::json number_or_null(double x) { return std::isnan(x) ? nlohmann::json(nullptr) : nlohmann::json(x); }

}  // namespace

CLI::App* add_gemm_command(CLI::App& app, GemmOptions& o) {
  CLI::App* sub = app.add_subcommand(
      "gemm",
      "Time the matmuls of one transformer layer (QKV, attention output, MLP up and down;\n"
      "forward, data- and weight-gradient) at a model's shapes per TP rank, with cuBLASLt on\n"
      "every rank's GPU; report TFLOP/s and efficiency against the GPU's peak. Writes gemm.csv\n"
      "and gemm.json (give it to `meshfit fit --gemm` for the cluster profile).");
  add_training_flags(sub, o.training, true);
  sub->add_option("--precision", o.precisions,
                  "bf16 and/or fp8 (default: bf16, plus fp8 where the GPU has it)")
      ->delimiter(',');
  sub->add_option("-n,--iters", o.iters, "Timed calls per shape")->capture_default_str();
  sub->add_option("-w,--warmup_iters", o.warmup_iters, "Untimed calls before them")
      ->capture_default_str();
  sub->add_option("--gpu", o.gpu,
                  "Peak-table name (a100-80g, h100, h100-pcie, h200, b200, ...) instead of the "
                  "name the CUDA runtime reports");
  sub->add_option("--out", o.out_dir, "Output folder (default results/<time>-gemm-<N>ranks)");
  sub->add_option("--wait", o.wait, "How ranks wait for each other: spin, yield or auto")
      ->capture_default_str();
  return sub;
}

int run_gemm(MpiRuntime& mpi, const GemmOptions& o, const std::vector<std::string>& command_line) {
  // Input first: nothing touches a GPU or the disk before the flags are known to be good.
  if (o.iters < 1) throw UsageError(fmt::format("-n/--iters must be >= 1, got {}", o.iters));
  if (o.warmup_iters < 0) {
    throw UsageError(fmt::format("-w/--warmup_iters must be >= 0, got {}", o.warmup_iters));
  }
  std::vector<GemmPrecision> precisions = parse_precisions(o.precisions);
  if (!o.gpu.empty()) gpu_spec(o.gpu);  // ConfigError naming --gpu
  const TrafficInputs in = to_traffic_inputs(o.training);
  const int tp = in.layout[MeshAxis::kTp], cp = in.layout[MeshAxis::kCp];
  const int ep = in.layout[MeshAxis::kEp];
  if (in.train.seq_length % cp != 0) {
    throw UsageError(fmt::format("--seq-length {} is not divisible by cp={}", in.train.seq_length, cp));
  }
  const long long tokens = in.train.micro_batch_size * in.train.seq_length / cp;
  const std::vector<GemmShape> shapes = layer_gemm_shapes(in.model, tp, ep, tokens);

  const Topology topo = mpi.discover_topology();
  const bool root = topo.rank == 0;
  auto world = mpi.world(mpi.choose_wait_mode(o.wait, topo));
  const GpuProbe probe = probe_gpus();
  require_gpu_on_every_rank(*world, probe);
  const int device = my_device(topo, probe);
  const GpuDevice& dev = probe.devices[static_cast<std::size_t>(device)];

  // fp8 only where every rank's GPU has it (ranks must run the same shapes).
  const std::uint64_t mine_fp8 = gpu_has_fp8(dev.compute_capability) ? 1 : 0;
  std::uint64_t all_fp8 = 0;
  world->all_reduce(&mine_fp8, &all_fp8, 1, Datatype::kUint64, ReduceOp::kSum);
  const bool fp8_everywhere = all_fp8 == static_cast<std::uint64_t>(topo.world_size);
  if (precisions.empty()) {
    precisions.push_back(GemmPrecision::kBf16);
    if (fp8_everywhere) precisions.push_back(GemmPrecision::kFp8);
  } else if (!fp8_everywhere &&
             std::find(precisions.begin(), precisions.end(), GemmPrecision::kFp8) !=
                 precisions.end()) {
    throw UsageError(fmt::format("--precision fp8: not every rank's GPU has fp8 tensor cores "
                                 "(rank {}: {}, compute capability {}.{})",
                                 topo.rank, dev.name, dev.compute_capability / 10,
                                 dev.compute_capability % 10));
  }

  // Peaks from the data sheet of the GPU (or --gpu); an unknown GPU gets times and TFLOP/s only.
  std::optional<GpuSpec> spec;
  try {
    spec = gpu_spec(o.gpu.empty() ? dev.name : o.gpu);
  } catch (const ConfigError&) {
    spec.reset();
  }
  auto peak_of = [&](GemmPrecision p) {
    if (!spec) return kNaN;
    const double peak = p == GemmPrecision::kBf16 ? spec->peak_bf16_tflops : spec->peak_fp8_tflops;
    return peak > 0 ? peak : kNaN;
  };

  const std::filesystem::path out_dir =
      o.out_dir.empty() ? default_run_dir(fmt::format("gemm-{}ranks", topo.world_size))
                        : std::filesystem::path(o.out_dir);
  std::ofstream csv;
  setup_on_root(*world, [&] {
    create_out_dir(out_dir);
    csv = open_new_file(out_dir / "gemm.csv");
    csv << "rank,host,gpu,precision,layer,pass,m,n,k,calls_per_layer,layer_share,iters,time_us_min,"
           "time_us_p50,tflops,peak_tflops,efficiency,error\n";
    csv.flush();
  });
  if (root) {
    fmt::print("# meshbench gemm: {} on {} rank(s); {} tp={} cp={} ep={}, {} tokens per "
               "micro-batch; peak {}\n",
               dev.name, topo.world_size, in.model.name, tp, cp, ep, tokens,
               spec ? fmt::format("bf16 {} / fp8 {} TFLOP/s ({})", spec->peak_bf16_tflops,
                                  spec->peak_fp8_tflops, spec->name)
                    : "unknown (give --gpu for efficiencies)");
    fmt::print("# {:>9} {:>9} {:>6} {:>22} {:>11} {:>10} {:>10}\n", "precision", "layer", "pass",
               "m x n x k", "p50(us)", "TFLOP/s", "efficiency");
  }

  const std::unique_ptr<GemmRunner> runner = make_gemm_runner(device);
  const auto nranks = static_cast<std::size_t>(topo.world_size);
  nlohmann::json shapes_json = nlohmann::json::array();
  nlohmann::json summary_json = nlohmann::json::object();
  for (GemmPrecision precision : precisions) {
    const std::string pname = gemm_precision_name(precision);
    const double peak = peak_of(precision);
    std::vector<GemmLayerTotals> per_rank(nranks);
    bool complete = true;
    for (const GemmShape& shape : shapes) {
      std::string error;
      GemmTiming timing;
      SampleSummary s;
      try {
        timing = runner->time(shape, precision, o.warmup_iters, o.iters);
        s = summarize(timing.samples_us);
      } catch (const std::runtime_error& e) {
        error = e.what();
      }
      const double mine[2] = {error.empty() ? s.p50 : kNaN, error.empty() ? s.min : kNaN};
      std::vector<double> all(2 * nranks);
      world->all_gather(mine, all.data(), 2, Datatype::kFloat64);
      std::vector<double> p50s(nranks);
      for (std::size_t r = 0; r < nranks; ++r) {
        p50s[r] = all[2 * r];
        if (std::isnan(p50s[r])) complete = false;
        per_rank[r].flops_per_layer += shape.flops();
        per_rank[r].time_us_per_layer += p50s[r] * shape.weight();
      }
      if (!root) continue;
      const double per_call_flops = shape.flops() / shape.weight();
      for (std::size_t r = 0; r < nranks; ++r) {
        const double tflops = per_call_flops / p50s[r] * 1e-6;
        // Empty fields where there is no number (unknown peak, a shape that failed).
        auto field = [](double x) { return std::isnan(x) ? std::string() : fmt::format("{:.6g}", x); };
        csv << fmt::format("{},{},\"{}\",{},{},{},{},{},{},{},{:.6g},{},{},{},{},{},{},\"{}\"\n", r,
                           topo.node_hosts[static_cast<std::size_t>(topo.node_of_rank[r])],
                           dev.name, pname, shape.layer, gemm_pass_name(shape.pass), shape.m,
                           shape.n, shape.k, shape.calls_per_layer, shape.layer_share, o.iters, field(all[2 * r + 1]),
                           field(p50s[r]), field(tflops), field(peak), field(tflops / peak),
                           r == 0 ? error : "");
      }
      csv.flush();
      const double p50 = median_of(p50s);
      const double tflops = per_call_flops / p50 * 1e-6;
      fmt::print("  {:>9} {:>9} {:>6} {:>22} {:>11.2f} {:>10.1f} {:>10}\n", pname, shape.layer,
                 gemm_pass_name(shape.pass),
                 fmt::format("{}x{}x{}", shape.m, shape.n, shape.k), p50, tflops,
                 std::isnan(peak) ? "-" : fmt::format("{:.3f}", tflops / peak));
      if (!error.empty()) fmt::print("    rank 0: {}\n", error);
      shapes_json.push_back({{"precision", pname}, {"layer", shape.layer},
                             {"pass", gemm_pass_name(shape.pass)}, {"m", shape.m},
                             {"n", shape.n}, {"k", shape.k},
                             {"calls_per_layer", shape.calls_per_layer},
                             {"layer_share", shape.layer_share},
                             {"flops_per_call", per_call_flops},
                             {"time_us_p50_per_rank", p50s},
                             {"time_us_p50", number_or_null(p50)},
                             {"tflops", number_or_null(tflops)},
                             {"efficiency", number_or_null(tflops / peak)},
                             {"algorithm", timing.algorithm}});
    }
    if (!root) continue;
    std::vector<double> rank_tflops, rank_eff;
    for (const GemmLayerTotals& g : per_rank) {
      rank_tflops.push_back(complete ? g.tflops() : kNaN);
      rank_eff.push_back(complete && !std::isnan(peak) ? flop_weighted_efficiency(g, peak) : kNaN);
    }
    const double tflops = median_of(rank_tflops), eff = median_of(rank_eff);
    summary_json[pname] = {{"peak_tflops", number_or_null(peak)},
                           {"tflops", number_or_null(tflops)},
                           {"efficiency", number_or_null(eff)},
                           {"tflops_per_rank", rank_tflops},
                           {"complete", complete}};
    fmt::print("# {} layer: {:.1f} TFLOP/s flop-weighted (median over ranks){}\n", pname, tflops,
               std::isnan(eff) ? "" : fmt::format(", efficiency {:.3f} of {} TFLOP/s", eff, peak));
  }
  if (root) {
    nlohmann::json doc{
        {"schema", "meshbench.gemm/1"},
        {"tool", "meshbench gemm"},
        {"command_line", command_line},
        {"time", utc_now_iso8601()},
        {"gpu", {{"name", dev.name},
                 {"spec", spec ? nlohmann::json(spec->name) : nlohmann::json(nullptr)},
                 {"compute_capability", dev.compute_capability},
                 {"probe", gpu_probe_json(probe)}}},
        {"ranks", topo.world_size},
        {"hosts", topo.node_hosts},
        {"model", in.model.name},
        {"layout", {{"tp", tp}, {"cp", cp}, {"ep", ep}}},
        {"tokens_per_micro_batch", tokens},
        {"iters", o.iters},
        {"warmup_iters", o.warmup_iters},
        {"shapes", shapes_json},
        {"summary", summary_json}};
    write_json_file(out_dir / "gemm.json", doc);
    fmt::print("# results: {} (gemm.csv, gemm.json)\n", out_dir.string());
  }
  return 0;
}

}  // namespace meshbench
