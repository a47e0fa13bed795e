// nccl-tests -J output (src/util.cu of NVIDIA/nccl-tests, jsonOutputInit and friends): a top-level
// object with "args" (argv; args[0] names the test program), "nccl_version", "config"
// ("devices": rank, hostname, device_info per rank) and "results": one object per size with
// size, count, type, redop, root and "out_of_place" / "in_place" objects holding time (us),
// alg_bw, bus_bw (GB/s) and nwrong.

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

#include "fit/csv_table.hpp"
#include "fit/importers/import.hpp"
#include "fit/importers/log_text.hpp"
#include "fit/importers/nccl_tests_names.hpp"

namespace meshbench::fit {

ImportedTable import_nccl_tests_json(const std::filesystem::path& file, const ImportOptions& o) {
  std::ifstream in(file);
  if (!in) throw InputError(fmt::format("{}: cannot open file", file.string()));
  const nlohmann::json doc = nlohmann::json::parse(in, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    throw InputError(fmt::format("{}: not valid JSON (truncated?)", file.string()));
  }
  ImportedTable table;
  table.format = "nccl-tests-json";
  table.source = file;
  auto field = [&](const nlohmann::json& obj, const char* key, const std::string& where) {
    if (!obj.is_object() || !obj.contains(key)) {
      throw InputError(fmt::format("{}: {}: missing field '{}'", file.string(), where, key));
    }
    return obj.at(key);
  };
  try {
    std::string program;
    if (doc.contains("args") && doc["args"].is_array() && !doc["args"].empty() &&
        doc["args"][0].is_string()) {
      program = doc["args"][0].get<std::string>();
    }
    std::vector<std::string> hosts;
    std::map<std::string, int> devices;
    if (doc.contains("config") && doc["config"].contains("devices")) {
      for (const auto& d : doc["config"]["devices"]) {
        const auto host = field(d, "hostname", "config.devices[]");
        if (!host.is_string()) throw InputError(fmt::format("{}: config.devices[].hostname is not a string", file.string()));
        hosts.push_back(valid_utf8(host.get<std::string>()));
        if (d.contains("device_info") && d["device_info"].is_string()) {
          ++devices[valid_utf8(d["device_info"].get<std::string>())];
        }
      }
    }
    for (const auto& [name, count] : devices) {
      table.hardware += fmt::format("{}{} x {}", table.hardware.empty() ? "" : ", ", count, name);
    }
    if (doc.contains("nccl_version")) {
      table.software = fmt::format("NCCL {}", doc["nccl_version"].dump());
    }
    const auto results = field(doc, "results", "top level");
    if (!results.is_array()) {
      throw InputError(fmt::format("{}: 'results' is not a list", file.string()));
    }
    std::vector<NcclRow> rows;
    const char* placement = o.in_place ? "in_place" : "out_of_place";
    for (std::size_t i = 0; i < results.size(); ++i) {
      const auto& r = results[i];
      const std::string where = fmt::format("results[{}]", i);
      const auto perf = field(r, placement, where);
      if (perf.is_null()) continue;  // trace replay rows carry in-place only
      auto number = [&](const nlohmann::json& obj, const char* key) {
        const auto v = field(obj, key, where);
        if (!v.is_number()) {
          throw InputError(fmt::format("{}: {}.{}: not a number: {}", file.string(), where, key,
                                       v.dump()));
        }
        return v.get<double>();
      };
      NcclRow row;
      row.line = i + 1;  // the 1-based index in "results" stands in for a line number
      // Whole numbers of bytes and elements, as the text importer reads them.
      auto whole = [&](const char* key) {
        const double v = number(r, key);
        if (!(v >= 0 && v <= static_cast<double>(1ULL << 50) && v == std::floor(v))) {
          throw InputError(fmt::format("{}: {}.{}: expected a whole number up to 2^50, got {}",
                                       file.string(), where, key, v));
        }
        return v;
      };
      row.size_bytes = whole("size");
      row.count = whole("count");
      row.type = field(r, "type", where).get<std::string>();
      if (r.contains("redop") && r["redop"].is_string()) row.redop = r["redop"].get<std::string>();
      if (r.contains("root") && r["root"].is_string()) row.root = std::atoi(r["root"].get<std::string>().c_str());
      row.time_us = number(perf, perf.contains("time") ? "time" : "cpu_time");
      row.algbw_GBps = number(perf, "alg_bw");
      row.busbw_GBps = number(perf, "bus_bw");
      rows.push_back(row);
    }
    if (rows.empty()) throw InputError(fmt::format("{}: no results", file.string()));
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
  } catch (const nlohmann::json::exception& e) {
    throw InputError(fmt::format("{}: unexpected JSON: {}", file.string(), e.what()));
  }
  return table;
}

}  // namespace meshbench::fit
