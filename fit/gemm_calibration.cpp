#include "fit/gemm_calibration.hpp"

#include <fmt/format.h>

#include <fstream>

#include "fit/csv_table.hpp"

namespace meshbench::fit {
namespace {

// Above 1.0 only by a wrong peak table; 1.5 leaves room for boost clocks, not for unit errors.
constexpr double kMaxEfficiency = 1.5;

double checked_efficiency(const nlohmann::json& value, const std::string& where) {
  if (!value.is_number()) throw InputError(fmt::format("{}: not a number", where));
  const double e = value.get<double>();
  if (!(e > 0 && e <= kMaxEfficiency)) {
    throw InputError(fmt::format("{}: {} is not an efficiency in (0, {}]", where, e, kMaxEfficiency));
  }
  return e;
}

}  // namespace

ComputeCalibration read_gemm_summary(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw InputError(fmt::format("{}: cannot open file", file.string()));
  const auto doc = nlohmann::json::parse(in, nullptr, false);
  if (doc.is_discarded()) throw InputError(fmt::format("{}: not valid JSON", file.string()));
  if (!doc.is_object() || doc.value("schema", "") != "meshbench.gemm/1") {
    throw InputError(fmt::format("{}: schema is not meshbench.gemm/1", file.string()));
  }
  ComputeCalibration c;
  c.source = file.string();
  try {
    c.gpu = doc.at("gpu").at("name").get<std::string>();
    const auto& spec = doc.at("gpu").at("spec");
    c.gpu_spec = spec.is_null() ? "" : spec.get<std::string>();
    c.model = doc.at("model").get<std::string>();
    c.tp = doc.at("layout").at("tp").get<int>();
    c.cp = doc.at("layout").at("cp").get<int>();
    c.ep = doc.at("layout").at("ep").get<int>();
    c.tokens_per_micro_batch = doc.at("tokens_per_micro_batch").get<long long>();
    for (const auto& [precision, s] : doc.at("summary").items()) {
      if (!s.at("complete").get<bool>() || s.at("efficiency").is_null()) continue;
      c.efficiency[precision] = checked_efficiency(
          s["efficiency"], fmt::format("{}: summary.{}.efficiency", file.string(), precision));
      c.tflops[precision] = s.at("tflops").get<double>();
    }
  } catch (const nlohmann::json::exception& e) {
    throw InputError(fmt::format("{}: {}", file.string(), e.what()));
  }
  if (c.efficiency.empty()) {
    throw InputError(fmt::format("{}: summary: no precision with a complete measurement and a "
                                 "known peak (run meshbench gemm with --gpu NAME)", file.string()));
  }
  return c;
}

nlohmann::json compute_json(const ComputeCalibration& c) {
  return {{"gpu", c.gpu},
          {"gpu_spec", c.gpu_spec},
          {"model", c.model},
          {"layout", {{"tp", c.tp}, {"cp", c.cp}, {"ep", c.ep}}},
          {"tokens_per_micro_batch", c.tokens_per_micro_batch},
          {"matmul_efficiency", c.efficiency},
          {"tflops", c.tflops},
          {"source", c.source}};
}

ComputeCalibration compute_from_json(const nlohmann::json& doc, const std::string& where) {
  ComputeCalibration c;
  try {
    c.gpu = doc.at("gpu").get<std::string>();
    c.gpu_spec = doc.at("gpu_spec").get<std::string>();
    c.model = doc.at("model").get<std::string>();
    c.tp = doc.at("layout").at("tp").get<int>();
    c.cp = doc.at("layout").at("cp").get<int>();
    c.ep = doc.at("layout").at("ep").get<int>();
    c.tokens_per_micro_batch = doc.at("tokens_per_micro_batch").get<long long>();
    for (const auto& [precision, e] : doc.at("matmul_efficiency").items()) {
      c.efficiency[precision] =
          checked_efficiency(e, fmt::format("{}.matmul_efficiency.{}", where, precision));
    }
    for (const auto& [precision, t] : doc.at("tflops").items()) c.tflops[precision] = t.get<double>();
    c.source = doc.value("source", "");
  } catch (const nlohmann::json::exception& e) {
    throw InputError(fmt::format("{}: {}", where, e.what()));
  }
  if (c.efficiency.empty()) throw InputError(fmt::format("{}.matmul_efficiency: empty", where));
  return c;
}

}  // namespace meshbench::fit
