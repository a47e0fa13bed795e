#pragma once
// Matmul efficiency measured by `meshbench gemm` (gemm.json, schema meshbench.gemm/1): read,
// validated, and carried in the cluster profile as its "compute" object, where meshplan takes
// its matmul efficiency from instead of the per-generation calibration.

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <string>

#include "patterns/json_field.hpp"

namespace meshbench::fit {

struct ComputeCalibration {
  std::string gpu;        ///< as the CUDA runtime names it ("NVIDIA H100 80GB HBM3")
  std::string gpu_spec;   ///< the peak-table entry it was measured against ("h100"), or ""
  std::string model;      ///< whose layer shapes were timed
  int tp = 1, cp = 1, ep = 1;
  long long tokens_per_micro_batch = 0;
  /// Precision ("bf16", "fp8") -> flop-weighted efficiency of the layer's matmuls, in (0, 1.5].
  std::map<std::string, double> efficiency;
  std::map<std::string, double> tflops;  ///< same keys, achieved TFLOP/s
  std::string source;     ///< the gemm.json it came from
};

/// Reads a gemm.json. Precisions whose summary is incomplete or has no efficiency (unknown
/// peak) are left out. Throws InputError naming the file and field for unreadable JSON, another
/// schema, a missing field, an efficiency outside (0, 1.5], or no usable precision at all.
ComputeCalibration read_gemm_summary(const std::filesystem::path& file);

/// The profile's "compute" object.
nlohmann::json compute_json(const ComputeCalibration& compute);

/// Parses the profile's "compute" object. Throws InputError naming the file and key.
ComputeCalibration compute_from_json(const JsonField& compute);

}  // namespace meshbench::fit
