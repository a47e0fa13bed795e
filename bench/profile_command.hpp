#pragma once
// `meshbench profile --model M --layout L [training flags]` (under mpiexec with the layout's
// rank count): from "this is my layout" to "this is what it costs on this cluster" in one
// command. For each mesh axis with traffic in a step (bench/profile_plan.hpp), a sweep of its
// ops on the layout's own groups, all groups at once (their concurrency, as in a step), at the
// sizes its traffic needs and a bracket around them; then the fit of every sweep
// (meshfit's), written as DIR/profile.json for meshplan and meshfit predict.

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "bench/backends/mpi/mpi_runtime.hpp"
#include "patterns/training_flags.hpp"

namespace meshbench {

struct ProfileOptions {
  TrainingOptions training;
  std::string order = "megatron";  ///< mesh order (patterns/mesh.hpp)
  std::string out_dir;             ///< empty = results/<time>-profile-<N>ranks
  std::string backend = "auto";    ///< mpi | nccl | auto (bench/gpu.hpp)
  std::string wait = "auto";
};

CLI::App* add_profile_command(CLI::App& app, ProfileOptions& o);

/// Runs on all ranks. Returns 0, or a sweep's non-zero exit code (3: wrong data). Writes
/// DIR/sweep_AXIS/ (each sweep's results.csv and run.json) and DIR/profile.json. Throws
/// UsageError / InputError for bad input (a layout of another rank count, no traffic to
/// measure, a fit that fails).
int run_profile(MpiRuntime& mpi, const ProfileOptions& o, const std::vector<std::string>& command_line);

}  // namespace meshbench
