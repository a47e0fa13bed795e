// nccl-tests -J output (src/util.cu of NVIDIA/nccl-tests, jsonOutputInit and friends): a top-level
// object with "args" (argv; args[0] names the test program), "nccl_version", "config"
// ("devices": rank, hostname, device_info per rank) and "results": one object per size with
// size, count, type, redop, root and "out_of_place" / "in_place" objects holding time (us),
// alg_bw, bus_bw (GB/s) and nwrong.

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <charconv>
#include <map>
#include <optional>

#include "fit/csv_table.hpp"
#include "fit/importers/import.hpp"
#include "fit/importers/log_text.hpp"
#include "fit/importers/nccl_tests_names.hpp"
#include "patterns/json_field.hpp"
#include "patterns/mesh.hpp"

namespace meshbench::fit {

namespace {

// Sizes and counts are whole numbers up to 2^50, as the text importer reads them.
constexpr double kMaxWhole = static_cast<double>(1ULL << 50);

std::string program_of(const nlohmann::json& doc) {
  if (doc.contains("args") && doc["args"].is_array() && !doc["args"].empty() &&
      doc["args"][0].is_string()) {
    return doc["args"][0].get<std::string>();
  }
  return "";
}

/// Hosts per rank and "N x device" per device name, from config.devices.
void read_devices(const JsonField& root, std::vector<std::string>& hosts, std::string& hardware) {
  const auto config = root.find("config");
  if (!config || !config->json().is_object()) return;
  const auto devices = config->find("devices");
  if (!devices) return;
  std::map<std::string, int> count;
  for (const JsonField& d : devices->elements()) {
    hosts.push_back(valid_utf8(d.at("hostname").string()));
    if (const auto info = d.find("device_info"); info && info->json().is_string()) {
      ++count[valid_utf8(info->string())];
    }
  }
  for (const auto& [name, n] : count) {
    hardware += fmt::format("{}{} x {}", hardware.empty() ? "" : ", ", n, name);
  }
}

/// One element of "results"; nullopt for a row without the placement asked for (trace replay
/// rows carry in-place only).
std::optional<NcclRow> read_result(const JsonField& r, std::size_t index, const char* placement) {
  const JsonField perf = r.at(placement);
  if (perf.is_null()) return std::nullopt;
  NcclRow row;
  row.line = index + 1;  // the 1-based index in "results" stands in for a line number
  row.size_bytes = static_cast<double>(r.at("size").integer(0, static_cast<long long>(kMaxWhole)));
  row.count = static_cast<double>(r.at("count").integer(0, static_cast<long long>(kMaxWhole)));
  row.type = r.at("type").string();
  if (const auto redop = r.find("redop"); redop && redop->json().is_string()) row.redop = redop->string();
  if (const auto root = r.find("root"); root && root->json().is_string()) {
    // nccl-tests writes the root as a string ("0"; "-1" for no root): all of it must be read.
    const std::string text = root->string();
    int value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
      root->fail(fmt::format("expected a rank number, got '{}'", text));
    }
    row.root = static_cast<int>(checked_range(value, -1, kMaxMeshRanks, root->where()));
  }
  const auto time = perf.find("time") ? perf.find("time") : perf.find("cpu_time");
  if (!time) perf.fail("missing field 'time' (or 'cpu_time')");
  row.time_us = time->number(0, 1e15);
  row.algbw_GBps = perf.at("alg_bw").number(0, 1e9);
  row.busbw_GBps = perf.at("bus_bw").number(0, 1e9);
  return row;
}

}  // namespace

ImportedTable import_nccl_tests_json(const std::filesystem::path& file, const ImportOptions& o) {
  const nlohmann::json doc = read_json_file(file);
  const JsonField root(doc, file.string());
  if (!doc.is_object()) root.fail("expected an object (nccl-tests -J output)");
  if (const auto schema = root.find("schema"); schema && schema->json().is_string() &&
                                               schema->string().rfind("meshbench.", 0) == 0) {
    schema->fail(fmt::format("'{}' is meshbench's own output, not a benchmark log (give "
                             "results.csv, or nccl-tests or OSU output)", schema->string()));
  }
  ImportedTable table;
  table.format = "nccl-tests-json";
  table.source = file;
  const std::string program = program_of(doc);
  std::vector<std::string> hosts;
  read_devices(root, hosts, table.hardware);
  if (doc.contains("nccl_version")) {
    table.software = fmt::format("NCCL {}", doc["nccl_version"].dump(
                                                -1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  std::vector<NcclRow> rows;
  const char* placement = o.in_place ? "in_place" : "out_of_place";
  const std::vector<JsonField> results = root.at("results").elements();
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (auto row = read_result(results[i], i, placement)) rows.push_back(*row);
  }
  if (rows.empty()) root.at("results").fail(fmt::format("no {} results", placement));
  // JSON numbers carry full precision: take them to 4 decimals for the ratio's rounding.
  for (NcclRow& row : rows) row.algbw_decimals = row.busbw_decimals = 4;
  const std::string base = program.substr(program.find_last_of('/') + 1);
  // The columns count only where the results carry them (a missing redop is not "none").
  const bool has_redop = !rows.front().redop.empty(), has_root = rows.front().root.has_value();
  const NcclIdentity id = identify_nccl_table(file.string(), rows, has_redop, has_root, base,
                                              static_cast<int>(hosts.size()), 0, o);
  table.notes = id.notes;
  if (static_cast<int>(hosts.size()) != id.ranks) hosts.clear();
  finish_nccl_rows(table, rows, id.op, id.ranks, hosts,
                   fmt::format("{} (nccl-tests -J{})", file.string(),
                               table.software.empty() ? "" : ", " + table.software));
  return table;
}

}  // namespace meshbench::fit
