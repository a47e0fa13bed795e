#pragma once
// `meshplan plan` (one layout) and `meshplan search` (all layouts): CLI and output.

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

#include "patterns/training_flags.hpp"

namespace meshbench::plan {

/// Cluster flags both commands share.
struct ClusterOptions {
  std::string gpu = "h100";
  std::optional<int> gpus_per_node;  ///< default: the GPU's scale-up domain (DGX 8, NVL72 72)
  std::string cluster;   ///< dgx-a100 / dgx-h100; default: the GPU generation's
  std::string profile;   ///< meshfit profile.json (replaces the spec-sheet cluster)
  std::optional<double> matmul_efficiency;      ///< bf16, fraction of peak in (0, 1]
  std::optional<double> fp8_matmul_efficiency;  ///< fp8 linear GEMMs, fraction of fp8 peak
  std::string framework = "megatron-lm";        ///< whose overlap defaults (overlap.hpp)
  std::optional<bool> overlap_tp, overlap_grad_reduce, overlap_param_gather, overlap_p2p;
  std::string mfu_peak = "bf16";                ///< MFU's denominator: bf16 or fp8 dense peak
  std::string format = "text";
};

struct PlanCommandOptions {
  TrainingOptions training;
  ClusterOptions cluster;
  std::string launch;  ///< megatron, torchtitan, deepspeed or empty
  std::string measured;  ///< pattern.csv of `meshbench pattern` for the same layout, or empty
  std::string order = "megatron";  ///< mesh order (parse_mesh_order): where groups sit
};

struct SearchCommandOptions {
  TrainingOptions training;
  ClusterOptions cluster;
  int gpus = 0;
  int top = 5;
};

CLI::App* add_plan_command(CLI::App& app, PlanCommandOptions& o);
CLI::App* add_search_command(CLI::App& app, SearchCommandOptions& o);

/// Print the estimate (text or JSON). Throw ConfigError / fit::InputError on bad input.
int run_plan(const PlanCommandOptions& o);
int run_search(const SearchCommandOptions& o);

}  // namespace meshbench::plan
