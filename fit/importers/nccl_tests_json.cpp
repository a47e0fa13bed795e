// nccl-tests -J output (src/util.cu of NVIDIA/nccl-tests, jsonOutputInit and friends): a top-level
// object with "args" (argv; args[0] names the test program), "nccl_version", "config"
// ("devices": rank, hostname, device_info per rank) and "results": one object per size with
// size, count, type, redop, root and "out_of_place" / "in_place" objects holding time (us),
// alg_bw, bus_bw (GB/s) and nwrong.

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "fit/csv_table.hpp"
#include "fit/importers/import.hpp"
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
    std::string op = o.op;
    if (op.empty()) {
      const auto args = field(doc, "args", "top level");
      if (!args.is_array() || args.empty() || !args[0].is_string()) {
        throw InputError(fmt::format("{}: 'args' does not name the test program; give --op",
                                     file.string()));
      }
      const auto mapped = op_of_nccl_program(args[0].get<std::string>());
      if (!mapped) {
        throw InputError(fmt::format("{}: {} has no meshbench op", file.string(),
                                     args[0].get<std::string>()));
      }
      op = *mapped;
    }
    std::vector<std::string> hosts;
    std::map<std::string, int> devices;
    if (doc.contains("config") && doc["config"].contains("devices")) {
      for (const auto& d : doc["config"]["devices"]) {
        hosts.push_back(field(d, "hostname", "config.devices[]").get<std::string>());
        if (d.contains("device_info")) ++devices[d["device_info"].get<std::string>()];
      }
    }
    for (const auto& [name, count] : devices) {
      table.hardware += fmt::format("{}{} x {}", table.hardware.empty() ? "" : ", ", count, name);
    }
    if (doc.contains("nccl_version")) {
      table.software = fmt::format("NCCL {}", doc["nccl_version"].dump());
    }
    const int ranks = o.ranks > 0 ? o.ranks : static_cast<int>(hosts.size());
    if (ranks == 0) {
      throw InputError(fmt::format("{}: no config.devices to count ranks; give --ranks",
                                   file.string()));
    }
    if (o.ranks > 0 && o.ranks != static_cast<int>(hosts.size())) hosts.clear();
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
      row.line = i;  // the index in "results" stands in for a line number
      row.size_bytes = number(r, "size");
      row.count = number(r, "count");
      row.type = field(r, "type", where).get<std::string>();
      row.time_us = number(perf, perf.contains("time") ? "time" : "cpu_time");
      row.algbw_GBps = number(perf, "alg_bw");
      row.busbw_GBps = number(perf, "bus_bw");
      rows.push_back(row);
    }
    finish_nccl_rows(table, rows, op, ranks, hosts);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(fmt::format("{}: unexpected JSON: {}", file.string(), e.what()));
  }
  return table;
}

}  // namespace meshbench::fit
