#include "bench/traffic_command.hpp"

#include <fmt/format.h>

#include <iostream>
#include <map>

#include "bench/sweep_config.hpp"
#include "patterns/model_report.hpp"
#include "patterns/units.hpp"

namespace meshbench {
namespace {

std::string axes_text(const std::vector<MeshAxis>& axes) {
  std::string s;
  for (MeshAxis a : axes) s += fmt::format("{}{}", s.empty() ? "" : "x", axis_name(a));
  return s;
}

}  // namespace

nlohmann::json traffic_json(const TrafficInputs& in, const std::vector<TrafficRow>& rows) {
  const TrainingConfig& t = in.train;
  nlohmann::json layout = nlohmann::json::object();
  for (MeshAxis a : kAllMeshAxes) layout[std::string(axis_name(a))] = in.layout[a];
  nlohmann::json out_rows = nlohmann::json::array();
  std::map<std::string, std::pair<double, double>> totals;
  for (const TrafficRow& r : rows) {
    nlohmann::json axes = nlohmann::json::array();
    for (MeshAxis a : r.group_axes) axes.push_back(std::string(axis_name(a)));
    out_rows.push_back({{"axis", r.axis}, {"phase", r.phase}, {"op", op_name(r.op)},
                        {"bytes_per_call", r.bytes_per_call}, {"calls_per_step", r.calls_per_step},
                        {"group_size", r.group_size}, {"group_axes", axes},
                        {"pipeline_ends", r.pipeline_ends}, {"overlappable", r.overlappable},
                        {"bytes_per_step", r.bytes_per_step()}, {"what", r.what}});
    auto& [bytes, wire] = totals[r.axis];
    bytes += r.bytes_per_step();
    wire += r.bytes_per_step() * busbw_factor(r.op, r.group_size);
  }
  nlohmann::json out_totals = nlohmann::json::object();
  for (const auto& [axis, v] : totals) {
    out_totals[axis] = {{"bytes_per_step", v.first}, {"wire_bytes_per_step", v.second}};
  }
  return {
      {"schema", "meshbench.traffic/1"},
      {"model", model_json(in.model)},
      {"training", {{"seq_length", t.seq_length}, {"micro_batch_size", t.micro_batch_size},
                    {"global_batch_size", in.shape.micro_batches * t.micro_batch_size *
                                              in.layout[MeshAxis::kDp]},
                    {"sequence_parallel", t.sequence_parallel},
                    {"recompute", recompute_name(t.recompute)}, {"zero_stage", t.zero_stage},
                    {"dp_bucket_bytes", t.dp_bucket_bytes}, {"grad_reduce_bytes", t.grad_reduce_bytes},
                    {"dtype_bytes", t.dtype_bytes},
                    {"virtual_pipeline_stages", t.virtual_pipeline_stages}}},
      {"layout", layout},
      {"micro_batches", in.shape.micro_batches},
      {"layers_per_stage", in.shape.layers_per_stage},
      {"rows", out_rows},
      {"totals", out_totals},
      {"stage", in.shape.stage},
      {"stage_layers", {{"dense", in.shape.stage_layers.dense}, {"moe", in.shape.stage_layers.moe}}},
      {"scope", "per GPU of pipeline stage `stage` (the one with the most MoE layers; any stage "
                "of a uniform model): its transformer layers, the vocab-parallel embedding or "
                "output layer where it holds them, and a tied embedding's gradient all-reduce "
                "between the pipeline's ends"},
  };
}

CLI::App* add_traffic_command(CLI::App& app, TrafficCommandOptions& o) {
  CLI::App* sub = app.add_subcommand(
      "traffic", "The traffic of one training step per axis, from a model and a layout (needs "
                 "no mpiexec)");
  add_training_flags(sub, o.training);
  sub->add_option("--format", o.format, "text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  return sub;
}

int run_traffic(const TrafficCommandOptions& o) {
  const TrafficInputs in = to_traffic_inputs(o.training);
  const auto rows = step_traffic(in);
  const nlohmann::json doc = traffic_json(in, rows);
  if (o.format == "json") {
    std::cout << doc.dump(2) << "\n";
    return 0;
  }
  fmt::print("{}", model_text(in.model));
  fmt::print("# layout {}; {} micro-batch(es) of {} x {} tokens; {} layers per stage; SP {}, "
             "recompute {}, ZeRO {}, vpp {}\n", format_mesh_sizes(in.layout),
             in.shape.micro_batches, in.train.micro_batch_size, in.train.seq_length,
             in.shape.layers_per_stage, in.train.sequence_parallel ? "on" : "off",
             recompute_name(in.train.recompute), in.train.zero_stage,
             in.train.virtual_pipeline_stages);
  fmt::print("# per GPU of pipeline stage {} ({} dense + {} MoE layers, the embedding or output "
             "layer where it holds them); bytes are nccl-tests sizes\n#\n", in.shape.stage, in.shape.stage_layers.dense,
             in.shape.stage_layers.moe);
  fmt::print("# {:>4} {:>5} {:>14} {:>12} {:>8} {:>10} {:>12}  {}\n", "axis", "phase", "op",
             "bytes/call", "calls", "group", "bytes/step", "what");
  for (const TrafficRow& r : rows) {
    fmt::print("  {:>4} {:>5} {:>14} {:>12} {:>8} {:>10} {:>12}  {}\n", r.axis, r.phase,
               op_name(r.op), format_bytes_approx(r.bytes_per_call), r.calls_per_step,
               fmt::format("{}{}={}", axes_text(r.group_axes), r.pipeline_ends ? " ends" : "", r.group_size),
               format_bytes_approx(r.bytes_per_step()), r.what);
  }
  fmt::print("#\n# totals per GPU per step:\n");
  for (const auto& [axis, v] : doc["totals"].items()) {
    fmt::print("#   {:>4}: {} in calls, {} on the wire (x busbw factor)\n", axis,
               format_bytes_approx(v["bytes_per_step"].get<double>()),
               format_bytes_approx(v["wire_bytes_per_step"].get<double>()));
  }
  if (rows.empty()) fmt::print("#   none: every axis has size 1\n");
  return 0;
}

}  // namespace meshbench
