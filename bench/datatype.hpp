#pragma once
// Element types the benchmarks move. bf16 is carried as 2-byte elements; reductions on it are
// done by the backend (MPI has no bf16 type: the MPI backend defines a sum operator).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace meshbench {

enum class Datatype {
  kFloat32,
  kBfloat16,
  kFloat64,  ///< harness-internal (timings)
  kUint64,   ///< harness-internal (error counts)
};

/// Size of one element in bytes.
std::size_t element_bytes(Datatype dtype);

/// Name used on the CLI and in CSV ("float32", "bf16", "float64", "uint64").
std::string_view dtype_name(Datatype dtype);

/// Parses a benchmark datatype: float32 (also "float", "fp32") or bf16 (also "bfloat16").
/// The harness-internal types are not accepted. Returns nullopt for anything else.
std::optional<Datatype> parse_benchmark_dtype(std::string_view name);

/// bf16 <-> float. float_to_bf16 rounds to nearest even (NaN stays NaN), as CUDA's
/// __float2bfloat16_rn does.
std::uint16_t float_to_bf16(float value);
float bf16_to_float(std::uint16_t bits);

}  // namespace meshbench
