#include "fit/importers/import.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <set>

#include "fit/csv_table.hpp"

namespace meshbench::fit {
namespace {

/// The format from the first kilobytes of the file.
std::string detect_format(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw InputError(fmt::format("{}: cannot open file", file.string()));
  std::string head(4096, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  const auto first = head.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && head[first] == '{') return "nccl-tests-json";
  if (head.rfind("op,", 0) == 0) return "meshbench";
  if (head.find("# OSU MPI") != std::string::npos) return "osu";
  if (head.find("nThread") != std::string::npos || head.find("_perf") != std::string::npos ||
      head.find("# Using devices") != std::string::npos) {
    return "nccl-tests";
  }
  throw InputError(fmt::format("{}: unknown format (not meshbench results.csv, nccl-tests "
                               "output or JSON, or OSU latency output); give --input-format",
                               file.string()));
}

}  // namespace

ImportedTable import_table(const std::filesystem::path& file, const ImportOptions& o) {
  const std::string format = o.format == "auto" ? detect_format(file) : o.format;
  if (format == "nccl-tests") return import_nccl_tests_text(file, o);
  if (format == "nccl-tests-json") return import_nccl_tests_json(file, o);
  if (format == "osu") return import_osu(file, o);
  if (format != "meshbench") {
    throw InputError(fmt::format("--input-format: unknown format '{}' (auto, meshbench, "
                                 "nccl-tests, nccl-tests-json, osu)", format));
  }
  ImportedTable table;
  table.format = "meshbench";
  table.source = file;
  table.measurements = read_sweep_results(file, o.time_column);
  // Hosts and versions of a meshbench run live in its run.json, next to results.csv.
  const auto record_path = file.parent_path() / "run.json";
  std::ifstream record_file(record_path);
  if (record_file) {
    const auto record = nlohmann::json::parse(record_file, nullptr, false);
    if (!record.is_discarded() && record.is_object()) {
      if (record.contains("hosts")) table.hosts = record["hosts"].get<std::vector<std::string>>();
      table.software = fmt::format("meshbench {}, {}, UCX {}",
                                   record.value("meshbench_version", "?"),
                                   record.value("mpi_library_version", "?"),
                                   record.value("ucx_version", "?"));
    }
  }
  return table;
}

}  // namespace meshbench::fit
