#pragma once
// What `meshbench sweep` measures: a value passed down, never global state.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/datatype.hpp"
#include "bench/harness.hpp"
#include "bench/launch_plan.hpp"
#include "patterns/collective.hpp"
#include "patterns/input_error.hpp"

namespace meshbench {

/// Bad user input: names the flag (or file) and the value. Reported as one line, exit code 2.
class UsageError : public InputError {
 public:
  using InputError::InputError;
};

struct SweepConfig {
  std::vector<CollectiveOp> ops;      ///< in run order
  std::uint64_t min_bytes = 8;        ///< -b, nccl-tests "size" (patterns/collective.hpp)
  std::uint64_t max_bytes = 4 << 20;  ///< -e
  double step_factor = 2.0;           ///< -f, > 1
  MeasureSettings measure;            ///< -n, -w, --precision, ... (bench/measure_flags.hpp)
  bool check = true;                  ///< -c, verify results
  Datatype dtype = Datatype::kFloat32;  ///< -d
  std::uint64_t seed = 1;             ///< verification data seed
  int corrupt_rank = -1;              ///< test-only: rank whose output gets one wrong element
  bool in_place = false;              ///< --in-place: output aliases input (nccl.h's convention)
  LaunchPlan launch;                  ///< -G: eager or CUDA-graph launches (stream backends)
  double timeout_s = 0;               ///< --timeout: a call waiting longer fails (0: never)
};

/// The requested sizes of a sweep: min, min*f, min*f^2, ... while <= max (each at least one
/// byte more than the previous, so a factor close to 1 still advances). Throws UsageError
/// naming the flag for min == 0, min > max, or factor <= 1 with min < max.
std::vector<std::uint64_t> sweep_sizes(std::uint64_t min_bytes, std::uint64_t max_bytes,
                                       double step_factor);

}  // namespace meshbench
