#include "fit/importers/import.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <optional>
#include <set>

#include "fit/csv_table.hpp"
#include "fit/importers/log_text.hpp"

namespace meshbench::fit {
namespace {

/// The format from the file's text (launcher prefixes and a BOM do not hide it); the first
/// 20,000 lines tell it.
std::string detect_format(const std::filesystem::path& file, const LogText& text) {
  std::size_t seen = 0;
  for (const LogLine& l : text.lines) {
    if (l.number > 20000) break;
    const auto first = l.text.find_first_not_of(" \t");
    if (first == std::string::npos) continue;
    if (++seen == 1 && l.text[first] == '{') return "nccl-tests-json";
    if (seen == 1 && l.text.rfind("op,", 0) == 0) return "meshbench";
    if (l.text.find("OSU MPI") != std::string::npos || l.text.find("OSU NCCL") != std::string::npos ||
        l.text.find("# OSU ") != std::string::npos) {
      return "osu";
    }
    if (l.text.find("nThread") != std::string::npos || l.text.find("_perf") != std::string::npos ||
        l.text.find("# Using devices") != std::string::npos || looks_like_nccl_tests_line(l.text)) {
      return "nccl-tests";
    }
  }
  throw InputError(fmt::format("{}: unknown format (not meshbench results.csv, nccl-tests "
                               "output or JSON, or OSU output); give --input-format",
                               file.string()));
}

}  // namespace

ImportedTable log_table(std::string format, const std::filesystem::path& file, const LogText& text) {
  ImportedTable table;
  table.format = std::move(format);
  table.source = file;
  table.notes = text.notes;
  return table;
}

ImportedTable import_table(const std::filesystem::path& file, const ImportOptions& o) {
  if (o.ranks < 0) throw InputError(fmt::format("--ranks must be >= 1, got {}", o.ranks));
  if (o.nodes < 0) throw InputError(fmt::format("--nodes must be >= 1, got {}", o.nodes));
  if (o.ranks > 0 && o.nodes > o.ranks) {
    throw InputError(fmt::format("--nodes {} is more than --ranks {}", o.nodes, o.ranks));
  }
  // Read once: detection and the text importers share it.
  std::optional<LogText> text;
  if (o.format == "auto" || o.format == "nccl-tests" || o.format == "osu") text = read_log_text(file);
  const std::string format = o.format == "auto" ? detect_format(file, *text) : o.format;
  if (format == "nccl-tests") return import_nccl_tests_text(file, *text, o);
  if (format == "nccl-tests-json") return import_nccl_tests_json(file, o);
  if (format == "osu") return import_osu(file, *text, o);
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
