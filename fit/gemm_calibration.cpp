#include "fit/gemm_calibration.hpp"

#include <fmt/format.h>

#include <limits>

#include "fit/csv_table.hpp"
#include "patterns/json_field.hpp"
#include "patterns/mesh.hpp"

namespace meshbench::fit {
namespace {

// Above 1.0 only by a wrong peak table; 1.5 leaves room for boost clocks, not for unit errors.
constexpr double kMaxEfficiency = 1.5;
// Wider than any accelerator's dense peak (B300 fp4 is about 15,000 TFLOP/s).
constexpr double kMaxTflops = 1e6;
constexpr long long kMaxTokens = 1LL << 40;

double checked_efficiency(const JsonField& value) {
  const double e = value.number(std::numeric_limits<double>::lowest(),
                                std::numeric_limits<double>::max());
  if (!(e > 0 && e <= kMaxEfficiency)) value.fail(fmt::format("{} is not an efficiency in (0, {}]", e, kMaxEfficiency));
  return e;
}

/// tp, cp and ep of a "layout" object, each a mesh size.
void read_layout(const JsonField& layout, ComputeCalibration& c) {
  c.tp = static_cast<int>(layout.at("tp").integer(1, kMaxMeshRanks));
  c.cp = static_cast<int>(layout.at("cp").integer(1, kMaxMeshRanks));
  c.ep = static_cast<int>(layout.at("ep").integer(1, kMaxMeshRanks));
}

}  // namespace

ComputeCalibration read_gemm_summary(const std::filesystem::path& file) {
  const nlohmann::json doc = read_json_file(file);
  if (!doc.is_object() || !doc.contains("schema") || doc["schema"] != "meshbench.gemm/1") {
    throw InputError(fmt::format("{}: schema is not meshbench.gemm/1", file.string()));
  }
  const JsonField root(doc, file.string());
  ComputeCalibration c;
  c.source = file.string();
  const JsonField gpu = root.at("gpu");
  c.gpu = gpu.at("name").string();
  if (const auto spec = gpu.at("spec"); !spec.is_null()) c.gpu_spec = spec.string();
  c.model = root.at("model").string();
  read_layout(root.at("layout"), c);
  c.tokens_per_micro_batch = root.at("tokens_per_micro_batch").integer(1, kMaxTokens);
  for (const auto& [precision, s] : root.at("summary").members()) {
    if (!s.at("complete").boolean() || s.at("efficiency").is_null()) continue;
    c.efficiency[precision] = checked_efficiency(s.at("efficiency"));
    c.tflops[precision] = s.at("tflops").number(0, kMaxTflops);
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

ComputeCalibration compute_from_json(const JsonField& compute) {
  ComputeCalibration c;
  c.gpu = compute.at("gpu").string();
  c.gpu_spec = compute.at("gpu_spec").string();
  c.model = compute.at("model").string();
  read_layout(compute.at("layout"), c);
  c.tokens_per_micro_batch = compute.at("tokens_per_micro_batch").integer(1, kMaxTokens);
  for (const auto& [precision, e] : compute.at("matmul_efficiency").members()) {
    c.efficiency[precision] = checked_efficiency(e);
  }
  for (const auto& [precision, t] : compute.at("tflops").members()) {
    c.tflops[precision] = t.number(0, kMaxTflops);
  }
  if (const auto source = compute.find("source")) c.source = source->string();
  if (c.efficiency.empty()) compute.at("matmul_efficiency").fail("empty");
  return c;
}

}  // namespace meshbench::fit
