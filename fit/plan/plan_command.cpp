#include "fit/plan/plan_command.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <iostream>

#include "fit/plan/launch_flags.hpp"
#include "fit/plan/measured.hpp"
#include "fit/plan/search.hpp"
#include "patterns/mesh.hpp"
#include "patterns/model_report.hpp"
#include "patterns/units.hpp"

namespace meshbench::plan {
namespace {

void add_cluster_flags(CLI::App* cmd, ClusterOptions& o) {
  cmd->add_option("--gpu", o.gpu,
                  "An id or name of patterns/data/accelerators.csv (a100-80g, h100, h200, b200, "
                  "gb200, mi300x, tpu-v5p, ...)")
      ->capture_default_str();
  cmd->add_option("--gpus-per-node", o.gpus_per_node,
                  "GPUs one scale-up link joins, the planner's node (default: the GPU's usual "
                  "system: 8 for DGX/HGX, 72 for NVL72)");
  cmd->add_option("--cluster", o.cluster,
                  "Spec-sheet cluster (ASSUMED link figures): dgx-a100, dgx-h100, <gpu>-system "
                  "(default: the GPU's usual system)");
  cmd->add_option("--profile", o.profile, "meshfit profile.json: measured links instead");
  cmd->add_option("--matmul-efficiency", o.matmul_efficiency,
                  "Fraction of the bf16 peak the matmuls reach, in (0, 1] (default: calibrated per "
                  "GPU generation)");
  cmd->add_option("--fp8-matmul-efficiency", o.fp8_matmul_efficiency,
                  "With --fp8-format: fraction of the fp8 peak the linear GEMMs reach, in (0, 1] "
                  "(default: the bf16 efficiency x 1.43 x bf16 peak / fp8 peak)");
  cmd->add_option("--framework", o.framework,
                  "Whose communication-overlap defaults: megatron-lm, megatron-bridge (NeMo), "
                  "fsdp, deepspeed, ddp")
      ->capture_default_str();
  // Each switch overrides the framework's default either way.
  const std::pair<const char*, std::optional<bool>*> switches[] = {
      {"--overlap-tp,!--no-overlap-tp", &o.overlap_tp},
      {"--overlap-grad-reduce,!--no-overlap-grad-reduce", &o.overlap_grad_reduce},
      {"--overlap-param-gather,!--no-overlap-param-gather", &o.overlap_param_gather},
      {"--overlap-p2p-communication,!--no-overlap-p2p-communication", &o.overlap_p2p}};
  for (const auto& [name, target] : switches) {
    std::optional<bool>* t = target;
    cmd->add_flag_function(name, [t](std::int64_t count) { *t = count > 0; },
                           "Override the framework's default for this overlap");
  }
  cmd->add_option("--mfu-peak", o.mfu_peak, "MFU against the dense bf16 or fp8 peak")
      ->check(CLI::IsMember({"bf16", "fp8"}))
      ->capture_default_str();
  cmd->add_option("--format", o.format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
}

struct Cluster {
  GpuSpec gpu;
  int gpus_per_node = 8;
  std::unique_ptr<CommCost> cost;
  PlanOptions options;
  std::string efficiency_source;  ///< where the matmul efficiency comes from
};

/// The cluster flags against the training flags they depend on.
void check_flag_pairs(const ClusterOptions& c, const TrainingOptions& t) {
  if (c.fp8_matmul_efficiency && t.fp8_format.empty()) {
    throw ConfigError("--fp8-matmul-efficiency: the run has no fp8 (give --fp8-format)");
  }
}

Cluster make_cluster(const ClusterOptions& o) {
  Cluster c{gpu_spec(o.gpu), 8, nullptr, {}, ""};
  c.gpus_per_node = static_cast<int>(
      checked_range(o.gpus_per_node.value_or(c.gpu.scaleup_domain), 1, kMaxMeshRanks, "--gpus-per-node"));

  const std::pair<const char*, const std::optional<double>*> efficiencies[] = {
      {"--matmul-efficiency", &o.matmul_efficiency},
      {"--fp8-matmul-efficiency", &o.fp8_matmul_efficiency}};
  for (const auto& [flag, value] : efficiencies) {
    // A fraction of peak: above 1 the estimate would pass the ceiling, nan or <= 0 means nothing.
    if (*value && !(**value > 0 && **value <= 1)) {
      throw ConfigError(fmt::format("{} must be a fraction of peak in (0, 1], got {}", flag, **value));
    }
  }
  c.options.matmul_efficiency = o.matmul_efficiency.value_or(0);
  c.options.fp8_matmul_efficiency = o.fp8_matmul_efficiency.value_or(0);
  c.options.overlap.framework = parse_framework(o.framework);
  c.options.overlap.tp = o.overlap_tp;
  c.options.overlap.grad_reduce = o.overlap_grad_reduce;
  c.options.overlap.param_gather = o.overlap_param_gather;
  c.options.overlap.p2p = o.overlap_p2p;
  if (o.mfu_peak == "fp8") {
    if (c.gpu.peak_fp8_tflops <= 0) {
      throw ConfigError(fmt::format("--mfu-peak fp8: {} has no fp8 tensor cores", c.gpu.name));
    }
    c.options.mfu_peak_tflops = c.gpu.peak_fp8_tflops;
  }
  c.efficiency_source = o.matmul_efficiency
                            ? "--matmul-efficiency"
                            : c.gpu.efficiency_from == c.gpu.generation
                                  ? fmt::format("calibrated for {} on published runs", c.gpu.generation)
                                  : fmt::format("calibrated for {} on published runs, assumed for {} "
                                                "(no published {} runs in the calibration)",
                                                c.gpu.efficiency_from, c.gpu.generation, c.gpu.generation);
  if (!o.profile.empty()) {
    fit::Profile profile = fit::read_profile(o.profile);
    // A profile with `meshbench gemm` figures gives the matmul efficiency measured at the
    // model's shapes on the cluster's GPUs (bf16: what the planner's peak refers to).
    if (!o.matmul_efficiency && profile.compute && profile.compute->efficiency.count("bf16")) {
      const fit::ComputeCalibration& m = *profile.compute;
      c.options.matmul_efficiency = m.efficiency.at("bf16");
      if (!o.fp8_matmul_efficiency && m.efficiency.count("fp8")) {
        c.options.fp8_matmul_efficiency = m.efficiency.at("fp8");
      }
      c.efficiency_source = fmt::format("measured by meshbench gemm on {} ({} tp={})", m.gpu,
                                        m.model, m.tp);
      if (!m.gpu_spec.empty() && m.gpu_spec != c.gpu.name) {
        fmt::print(stderr, "meshplan: warning: {}: matmul efficiency was measured on {} ({}), "
                           "the plan is for --gpu {}\n", o.profile, m.gpu_spec, m.gpu, c.gpu.name);
      }
    }
    c.cost = profile_cost(std::move(profile));
  } else {
    c.cost = !o.cluster.empty() ? spec_sheet_cost(cluster_spec(o.cluster))
                                : spec_sheet_cost(cluster_for(c.gpu));
  }
  return c;
}

nlohmann::json stages_json(const StepEstimate& e) {
  nlohmann::json out = nlohmann::json::array();
  for (const StageReport& r : e.stages) {
    out.push_back({{"stage", r.stage}, {"dense_layers", r.layers.dense}, {"moe_layers", r.layers.moe},
                   {"embedding", r.embedding}, {"output_layer", r.output_layer},
                   {"compute_s", r.compute_s}, {"memory_gib", r.memory_gib}});
  }
  return out;
}

nlohmann::json estimate_json(const StepEstimate& e) {
  const double gib = 1 << 30;
  return {{"gpus", e.gpus}, {"mfu_ceiling", e.mfu_ceiling}, {"mfu", e.mfu}, {"hfu", e.hfu},
          {"tflops_per_gpu", e.tflops_per_gpu}, {"tokens_per_s", e.tokens_per_s},
          {"step_s", e.step_s}, {"ceiling_step_s", e.ceiling_step_s},
          {"matmul_efficiency", e.matmul_efficiency},
          {"precision", e.fp8 ? "fp8 linear GEMMs, bf16 elsewhere" : "bf16"},
          {"fp8_matmul_efficiency", e.fp8_matmul_efficiency},
          {"mfu_peak_tflops_per_gpu", e.mfu_peak_tflops},
          {"overlap", e.overlap},
          {"time_s", {{"compute", e.compute_s}, {"tp", e.tp_s}, {"pp", e.pp_s},
                      {"bubble", e.bubble_s}, {"dp", e.dp_s}, {"zero", e.zero_s}, {"cp", e.cp_s},
                      {"ep", e.ep_s}, {"emb", e.emb_s}}},
          {"tp_nodes", e.tp_nodes},
          {"stages", stages_json(e)},
          {"bottleneck_stage", e.bottleneck_stage},
          {"cost_notes", e.cost_notes},
          {"memory_gib", {{"weights", e.memory.weights / gib}, {"gradients", e.memory.gradients / gib},
                          {"optimizer", e.memory.optimizer / gib},
                          {"activations", e.memory.activations / gib},
                          {"total", e.memory.total() / gib}, {"hbm", e.hbm_bytes / gib},
                          {"stage", e.memory.stage}}},
          {"fits", e.fits}};
}

void print_estimate(const StepEstimate& e) {
  const double gib = 1 << 30;
  fmt::print("  MFU ceiling {:.1f}% (GEMMs at peak, all that can overlap hidden), MFU estimate "
             "{:.1f}% (matmul efficiency {:.2f}{}), HFU {:.1f}%; MFU against {:.0f} TFLOP/s per GPU\n"
             "  overlap: {}\n  {:.0f} TFLOP/s per GPU, {:.4g} tokens/s, step {:.3f} s\n",
             100 * e.mfu_ceiling, 100 * e.mfu, e.matmul_efficiency,
             e.fp8 ? fmt::format(", fp8 linear GEMMs {:.2f} of the fp8 peak", e.fp8_matmul_efficiency) : "",
             100 * e.hfu, e.mfu_peak_tflops, e.overlap, e.tflops_per_gpu, e.tokens_per_s, e.step_s);
  fmt::print("  time per step (s): compute {:.3f}, TP {:.3f}{}, PP send/recv {:.3f}, bubble {:.3f}, "
             "DP {:.3f}, ZeRO {:.3f}, CP {:.3f}, EP {:.3f}{}\n", e.compute_s, e.tp_s,
             e.tp_nodes > 1 ? fmt::format(" (TP spans {} nodes)", e.tp_nodes) : "", e.pp_s,
             e.bubble_s, e.dp_s, e.zero_s, e.cp_s, e.ep_s,
             e.emb_total_s > 0 ? fmt::format(", tied-embedding grads {:.3f}", e.emb_s) : "");
  for (const auto& [axis, notes] : e.cost_notes) {
    for (const std::string& n : notes) fmt::print("  {} priced {}\n", axis, n);
  }
  if (!e.stages.empty()) {
    // Uniform splits print one line per kind of stage; uneven ones every stage.
    fmt::print("  pipeline stages (compute per step at the estimate's efficiency; the slowest sets "
               "the pace of 1F1B):\n    {:>5} {:>7} {:>16} {:>11} {:>12}\n", "stage", "layers",
               "also", "compute(s)", "memory(GiB)");
    for (const StageReport& r : e.stages) {
      const bool edge = r.embedding || r.output_layer;
      if (!edge && r.stage > 1 && r.stage < static_cast<int>(e.stages.size()) - 2 &&
          r.layers.total() == e.stages[1].layers.total() && r.stage != e.bottleneck_stage) {
        if (r.stage == 2) fmt::print("    {:>5}\n", "...");
        continue;
      }
      const std::string also = r.embedding && r.output_layer ? "embedding, output"
                               : r.embedding                 ? "embedding"
                               : r.output_layer              ? "output, loss"
                                                             : "";
      fmt::print("    {:>5} {:>7} {:>16} {:>11.3f} {:>12.1f}{}\n", r.stage, r.layers.total(), also,
                 r.compute_s, r.memory_gib, r.stage == e.bottleneck_stage ? "  <- bottleneck" : "");
    }
  }
  fmt::print("  memory per GPU (GiB, pipeline stage {}, the fullest): weights {:.1f}, gradients "
             "{:.1f}, optimizer {:.1f}, activations {:.1f}, total {:.1f} of {:.0f}: {}\n",
             e.memory.stage, e.memory.weights / gib,
             e.memory.gradients / gib, e.memory.optimizer / gib, e.memory.activations / gib,
             e.memory.total() / gib, e.hbm_bytes / gib,
             e.fits ? fmt::format("fits ({:.1f} GiB headroom)", (e.hbm_bytes - e.memory.total()) / gib)
                    : "DOES NOT FIT");
}

}  // namespace

CLI::App* add_plan_command(CLI::App& app, PlanCommandOptions& o) {
  CLI::App* sub = app.add_subcommand("plan", "MFU ceiling, MFU estimate, time and memory of one layout");
  add_training_flags(sub, o.training);
  add_cluster_flags(sub, o.cluster);
  sub->add_option("--launch", o.launch, "Also print launch settings: megatron, torchtitan, deepspeed")
      ->check(CLI::IsMember({"megatron", "torchtitan", "deepspeed"}));
  sub->add_option("--measured", o.measured,
                  "pattern.csv of `meshbench pattern` for this layout: predicted vs measured "
                  "communication time per axis per step");
  sub->add_option("--order", o.order,
                  "Mesh order, fastest varying (most local) first, as for meshbench: megatron "
                  "(tp-cp-ep-dp-pp), torchtitan, or a list such as dp-tp")
      ->capture_default_str();
  return sub;
}

CLI::App* add_search_command(CLI::App& app, SearchCommandOptions& o) {
  CLI::App* sub = app.add_subcommand(
      "search", "Rank every layout of a model on N GPUs by MFU estimate; compare with the simple "
                "decision tree");
  add_training_flags(sub, o.training, /*with_layout=*/false);
  add_cluster_flags(sub, o.cluster);
  sub->add_option("--gpus", o.gpus, "Number of GPUs")->required();
  sub->add_option("--top", o.top, "How many layouts to show")->capture_default_str();
  return sub;
}

int run_plan(const PlanCommandOptions& o) {
  check_flag_pairs(o.cluster, o.training);
  TrafficInputs in = to_traffic_inputs(o.training);
  try {
    in.order = parse_mesh_order(o.order);
  } catch (const MeshError& err) {
    throw ConfigError(err.what());  // names --order and the value
  }
  if (!o.launch.empty() && in.order != kMegatronOrder) {
    // The launch settings place ranks in the framework's own order (Megatron's placement).
    throw ConfigError(fmt::format("--launch {}: its settings place ranks in order {}, the plan "
                                  "in --order {}", o.launch, format_mesh_order(kMegatronOrder),
                                  format_mesh_order(in.order)));
  }
  const Cluster c = make_cluster(o.cluster);
  const StepEstimate e = estimate_step(in, c.gpu, c.gpus_per_node, *c.cost, c.options);
  const std::vector<AxisComparison> measured =
      o.measured.empty() ? std::vector<AxisComparison>{} : compare_with_pattern(o.measured, in, e);
  std::string launch;
  if (o.launch == "megatron") launch = megatron_args(in);
  if (o.launch == "torchtitan") launch = torchtitan_toml(in);
  if (o.launch == "deepspeed") launch = deepspeed_json(in);
  if (o.cluster.format == "json") {
    nlohmann::json doc = estimate_json(e);
    doc["model"] = model_json(in.model);
    doc["layout"] = format_mesh_sizes(in.layout);
    doc["order"] = format_mesh_order(in.order);
    doc["cost_model"] = c.cost->describe();
    doc["matmul_efficiency_source"] = c.efficiency_source;
    if (!launch.empty()) doc["launch"] = launch;
    if (!measured.empty()) {
      doc["measured"] = {{"source", o.measured}, {"axes", comparison_json(measured)}};
    }
    std::cout << doc.dump(2) << "\n";
    return 0;
  }
  fmt::print("# meshplan: {} on {} x {} ({} per node), layout {}{}, {} micro-batches, costs from "
             "{}\n", in.model.name, e.gpus, c.gpu.name, c.gpus_per_node,
             format_mesh_sizes(in.layout),
             in.order == kMegatronOrder ? "" : " in order " + format_mesh_order(in.order),
             in.shape.micro_batches, c.cost->describe());
  fmt::print("{}", model_text(in.model));
  fmt::print("# matmul efficiency {:.3f}: {}\n", e.matmul_efficiency, c.efficiency_source);
  print_estimate(e);
  if (!measured.empty()) {
    fmt::print("# predicted vs measured communication per step ({}; all of an axis's traffic, "
               "before overlap):\n#   {:<5} {:>14} {:>14} {:>8}\n", o.measured, "axis",
               "predicted(us)", "measured(us)", "ratio");
    for (const AxisComparison& a : measured) {
      fmt::print("    {:<5} {:>14.1f} {:>14.1f} {:>8.3f}\n", a.axis, a.predicted_us, a.measured_us,
                 a.ratio());
    }
  }
  if (!launch.empty()) fmt::print("# {} launch settings:\n{}\n", o.launch, launch);
  return 0;
}

int run_search(const SearchCommandOptions& o) {
  check_flag_pairs(o.cluster, o.training);
  const ModelConfig model = load_model(o.training.model, o.training.model_type);
  const TrainingConfig base = to_training_config(o.training);
  if (base.global_batch_size < 1) {
    throw ConfigError("search: give --global-batch-size (sequences per step)");
  }
  checked_range(o.gpus, 1, kMaxMeshRanks, "--gpus");
  checked_range(o.top, 1, kMaxMeshRanks, "--top");
  const Cluster c = make_cluster(o.cluster);
  const auto t0 = std::chrono::steady_clock::now();
  const SearchResult r = search_layouts(model, base, o.gpus, c.gpu, c.gpus_per_node,
                                        *c.cost, c.options);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::vector<std::string> steps;
  const auto tree = decision_tree(model, base, o.gpus, c.gpu, c.gpus_per_node, *c.cost,
                                  c.options, steps);
  if (r.enumerated == 0) {
    throw ConfigError(fmt::format(
        "search: no layout of {} divides onto --gpus {} with --global-batch-size {} (tp must "
        "divide the heads, pp the {} layers, dp the batch): change either", model.name, o.gpus,
        base.global_batch_size, model.num_layers));
  }
  if (r.ranked.empty()) {
    throw ConfigError(fmt::format(
        "search: no layout of {} on {} x {} fits: {} layouts divide, all exceed {:.0f} GiB of HBM "
        "(the smallest needs {:.1f} GiB); bound by memory: add GPUs, or shorten --seq-length or "
        "the batch", model.name, o.gpus, c.gpu.name, r.enumerated, c.gpu.hbm_gib,
        r.smallest_memory_gib));
  }
  const Candidate& best = r.ranked.front();
  if (o.cluster.format == "json") {
    nlohmann::json top = nlohmann::json::array();
    for (std::size_t i = 0; i < r.ranked.size() && i < static_cast<std::size_t>(o.top); ++i) {
      nlohmann::json e = estimate_json(r.ranked[i].estimate);
      e["label"] = r.ranked[i].label();
      e["why_slower_than_best"] = i == 0 ? "" : why_slower(r.ranked[i], best);
      top.push_back(e);
    }
    // Every layout that fits, for scripts/plot.py's memory-vs-MFU picture.
    nlohmann::json layouts = nlohmann::json::array();
    for (const Candidate& cand : r.ranked) {
      layouts.push_back({{"label", cand.label()}, {"mfu", cand.estimate.mfu},
                         {"mfu_ceiling", cand.estimate.mfu_ceiling},
                         {"memory_gib", cand.estimate.memory.total() / (1 << 30)}});
    }
    nlohmann::json doc = {{"schema", "meshbench.search/1"}, {"model", model_json(model)},
                          {"gpus", o.gpus}, {"gpu", c.gpu.name}, {"hbm_gib", c.gpu.hbm_gib},
                          {"enumerated", r.enumerated}, {"over_memory", r.over_memory},
                          {"fitting", r.ranked.size()}, {"search_s", seconds}, {"top", top},
                          {"layouts", layouts}, {"decision_tree", {{"steps", steps}}}};
    if (tree) {
      doc["decision_tree"]["label"] = tree->label();
      doc["decision_tree"]["estimate"] = estimate_json(tree->estimate);
      doc["decision_tree"]["why_slower_than_best"] = why_slower(*tree, best);
    }
    std::cout << doc.dump(2) << "\n";
    return 0;
  }
  fmt::print("# meshplan search: {} on {} x {} ({} per node), seq {}, global batch {}; costs from "
             "{}\n# {} layouts divide, {} do not fit in memory, {} ranked ({:.3f} s)\n", model.name,
             o.gpus, c.gpu.name, c.gpus_per_node, base.seq_length, base.global_batch_size,
             c.cost->describe(), r.enumerated, r.over_memory, r.ranked.size(), seconds);
  fmt::print("# {:>3} {:<44} {:>8} {:>8} {:>9} {:>9}  {}\n", "#", "layout", "MFU est", "ceiling",
             "step (s)", "mem GiB", "loses to the best by");
  for (std::size_t i = 0; i < r.ranked.size() && i < static_cast<std::size_t>(o.top); ++i) {
    const Candidate& cand = r.ranked[i];
    fmt::print("  {:>3} {:<44} {:>7.1f}% {:>7.1f}% {:>9.3f} {:>9.1f}  {}\n", i + 1, cand.label(),
               100 * cand.estimate.mfu, 100 * cand.estimate.mfu_ceiling, cand.estimate.step_s,
               cand.estimate.memory.total() / (1 << 30), i == 0 ? "-" : why_slower(cand, best));
  }
  fmt::print("#\n# the simple decision tree (DP if it fits, then sharding, then TP in a node, then "
             "PP across nodes, then CP for long context):\n");
  for (const auto& s : steps) fmt::print("#   {}\n", s);
  if (tree) {
    fmt::print("#   picks {}: MFU estimate {:.1f}% vs {:.1f}% for the best ({})\n", tree->label(),
               100 * tree->estimate.mfu, 100 * best.estimate.mfu, why_slower(*tree, best));
  }
  return 0;
}

}  // namespace meshbench::plan
