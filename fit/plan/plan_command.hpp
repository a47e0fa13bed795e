#pragma once
// `meshplan plan` (one layout) and `meshplan search` (all layouts): CLI and output.

#include <CLI/CLI.hpp>

#include <string>

#include "patterns/training_flags.hpp"

namespace meshbench::plan {

/// Cluster flags both commands share.
struct ClusterOptions {
  std::string gpu = "h100";
  int gpus_per_node = 8;
  std::string cluster;   ///< dgx-a100 / dgx-h100; default: the GPU generation's
  std::string profile;   ///< meshfit profile.json (replaces the spec-sheet cluster)
  double matmul_efficiency = 0;
  bool overlap_tp = false;
  double dp_overlap = 0;
  std::string format = "text";
};

struct PlanCommandOptions {
  TrainingOptions training;
  ClusterOptions cluster;
  std::string launch;  ///< megatron, torchtitan, deepspeed or empty
  std::string measured;  ///< pattern.csv of `meshbench pattern` for the same layout, or empty
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
