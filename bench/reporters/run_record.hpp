#pragma once
// run.json: how a run was made (command line, hosts, versions, environment, times), written
// when the run starts and rewritten when it ends, so a run that dies still leaves its record.
// Schema in results/README.md ("meshbench.run/1").

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bench/sweep_config.hpp"
#include "bench/topology.hpp"

namespace meshbench {

/// What every command's run.json records; `config` holds the command's own settings.
struct RunRecordInputs {
  std::string command;                    ///< sweep, compare, accept, pattern, pairs
  std::vector<std::string> command_line;
  Topology topology;
  std::string wait_mode;
  std::string mpi_library_version;
  std::string transport_version;  ///< UCX version under MPICH, "" if unknown
  unsigned cores_per_node = 0;
  std::string backend = "mpi";     ///< mpi | nccl
  nlohmann::json gpu = nullptr;    ///< gpu_probe_json of rank 0 (nccl backend), else null
  nlohmann::json config = nlohmann::json::object();  ///< the command's settings
  nlohmann::json files = nlohmann::json::object();   ///< role -> file name in the folder
};

/// The run record at start, the same keys for every command: end_time, exit_code, points and
/// wrong are null until finish_run_record(). Strings that are not valid UTF-8
/// (a path, an environment variable) are kept with the bad bytes replaced by U+FFFD when the
/// record is written (write_json_file).
nlohmann::json make_run_record(const RunRecordInputs& inputs);

/// The "config" of a sweep or compare run.
nlohmann::json sweep_config_json(const SweepConfig& config);

/// The harness settings as run.json's config.measure.
nlohmann::json measure_settings_json(const MeasureSettings& settings);

/// Sets end_time, exit_code, points and wrong (null: the command verifies no data), and
/// interrupted (exit_code kInterruptedExitCode: the points measured before Ctrl-C are kept).
void finish_run_record(nlohmann::json& record, int exit_code, std::size_t points,
                       std::optional<std::uint64_t> wrong);

/// The variables of `environ` that steer communication: MPIR_CVAR_*, MPICH_*, HYDRA_*, UCX_*,
/// NCCL_*, FI_*, OMPI_*, CUDA_VISIBLE_DEVICES, OMP_NUM_THREADS.
std::map<std::string, std::string> communication_environment();

/// Writes `doc` to `file` through a temporary file and a rename, so readers never see half a
/// file. Throws std::runtime_error naming the file on failure.
void write_json_file(const std::filesystem::path& file, const nlohmann::json& doc);

/// Current time as "2026-11-21T05:11:00Z".
std::string utc_now_iso8601();

/// The default output folder of a run: results/<UTC stamp>-<what>, e.g.
/// results/20261121T051100Z-sweep-4ranks.
std::filesystem::path default_run_dir(const std::string& what);

}  // namespace meshbench
