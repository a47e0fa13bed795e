#include "bench/reporters/run_record.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <stdexcept>

#include "bench/datatype.hpp"
#include "bench/interrupt.hpp"
#include "patterns/collective.hpp"

extern char** environ;

namespace meshbench {

std::string utc_now_iso8601() {
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(now));
}

std::filesystem::path default_run_dir(const std::string& what) {
  std::string stamp = utc_now_iso8601();  // 2026-11-21T05:11:00Z -> 20261121T051100Z
  std::erase_if(stamp, [](char c) { return c == '-' || c == ':'; });
  return std::filesystem::path("results") / (stamp + "-" + what);
}

std::map<std::string, std::string> communication_environment() {
  static constexpr const char* kPrefixes[] = {"MPIR_CVAR_", "MPICH_", "HYDRA_", "UCX_",
                                              "NCCL_",      "FI_",    "OMPI_"};
  static constexpr const char* kNames[] = {"CUDA_VISIBLE_DEVICES", "OMP_NUM_THREADS"};
  std::map<std::string, std::string> vars;
  for (char** e = environ; e && *e; ++e) {
    const std::string entry(*e);
    const auto eq = entry.find('=');
    if (eq == std::string::npos) continue;
    const std::string name = entry.substr(0, eq);
    bool keep = false;
    for (const char* p : kPrefixes) keep = keep || name.rfind(p, 0) == 0;
    for (const char* n : kNames) keep = keep || name == n;
    if (keep) vars[name] = entry.substr(eq + 1);
  }
  return vars;
}

namespace {

/// Topology::node_hardware (JSON text per node) as an array, each with its host name.
nlohmann::json node_hardware_json(const Topology& t) {
  nlohmann::json nodes = nlohmann::json::array();
  for (std::size_t n = 0; n < t.node_hardware.size(); ++n) {
    nlohmann::json facts = nlohmann::json::parse(t.node_hardware[n], nullptr, false);
    if (facts.is_discarded()) facts = {{"error", "unreadable hwloc facts"}};
    facts["host"] = n < t.node_hosts.size() ? t.node_hosts[n] : "";
    nodes.push_back(std::move(facts));
  }
  return nodes;
}

}  // namespace

nlohmann::json measure_settings_json(const MeasureSettings& m) {
  if (!m.adaptive) return {{"mode", "fixed"}, {"iters", m.iters}, {"warmup_iters", m.warmup_iters}};
  return {{"mode", "adaptive"},
          {"precision", m.precision},
          {"min_iters", m.min_iters},
          {"max_iters", m.max_iters},
          {"min_time_s", m.min_time_s},
          {"max_time_s", m.max_time_s},
          {"warmup_iters", m.warmup_iters < 0 ? nlohmann::json("until_stable") : nlohmann::json(m.warmup_iters)},
          {"warmup_max_time_s", m.warmup_max_time_s}};
}

nlohmann::json sweep_config_json(const SweepConfig& c) {
  nlohmann::json ops = nlohmann::json::array();
  for (CollectiveOp op : c.ops) ops.push_back(std::string(op_name(op)));
  return {{"ops", ops},
          {"min_bytes", c.min_bytes},
          {"max_bytes", c.max_bytes},
          {"step_factor", c.step_factor},
          {"measure", measure_settings_json(c.measure)},
          {"check", c.check},
          {"dtype", std::string(dtype_name(c.dtype))},
          {"seed", c.seed},
          {"in_place", c.in_place},
          {"launch", launch_name(c.launch)},
          {"timeout_s", c.timeout_s}};
}

nlohmann::json make_run_record(const RunRecordInputs& in) {
  const Topology& t = in.topology;
  return nlohmann::json{
      {"schema", "meshbench.run/1"},
      {"tool", "meshbench " + in.command},
      {"command", in.command},
      {"meshbench_version", MESHBENCH_VERSION},
      {"git_sha", MESHBENCH_GIT_SHA},
      {"command_line", in.command_line},
      {"start_time", utc_now_iso8601()},
      {"end_time", nullptr},
      {"exit_code", nullptr},
      {"interrupted", false},
      {"world_size", t.world_size},
      {"nodes", t.nodes},
      {"ranks_per_node", t.ranks_per_node},
      {"hosts", t.node_hosts},
      {"node_hardware", node_hardware_json(t)},
      {"node_of_rank", t.node_of_rank},
      {"cores_per_node", in.cores_per_node},
      {"backend", in.backend},
      {"gpu", in.gpu},
      {"wait_mode", in.wait_mode},
      {"mpi_library_version", in.mpi_library_version},
      {"ucx_version", in.transport_version},
      {"environment", communication_environment()},
      {"config", in.config},
      {"files", in.files},
      {"points", nullptr},
      {"wrong", nullptr},
  };
}

void finish_run_record(nlohmann::json& record, int exit_code, std::size_t points,
                       std::optional<std::uint64_t> wrong) {
  record["end_time"] = utc_now_iso8601();
  record["exit_code"] = exit_code;
  record["interrupted"] = exit_code == kInterruptedExitCode;
  record["points"] = points;
  record["wrong"] = wrong ? nlohmann::json(*wrong) : nlohmann::json(nullptr);
}

void write_json_file(const std::filesystem::path& file, const nlohmann::json& doc) {
  const std::filesystem::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp);
    // Paths and environment variables need not be UTF-8: replace bad bytes, never throw.
    out << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    if (!out) throw std::runtime_error("cannot write '" + tmp.string() + "'");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) throw std::runtime_error("cannot rename '" + tmp.string() + "' to '" + file.string() +
                                   "': " + ec.message());
}

}  // namespace meshbench
