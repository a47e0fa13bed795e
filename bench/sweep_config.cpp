#include "bench/sweep_config.hpp"

#include <cmath>

#include <fmt/format.h>

namespace meshbench {

std::vector<std::uint64_t> sweep_sizes(std::uint64_t min_bytes, std::uint64_t max_bytes,
                                       double step_factor) {
  if (min_bytes == 0) throw UsageError("-b/--minbytes: size must be > 0, got 0");
  if (min_bytes > max_bytes) {
    throw UsageError(fmt::format("-b/--minbytes {} is larger than -e/--maxbytes {}", min_bytes,
                                 max_bytes));
  }
  if (!(step_factor > 1.0) && min_bytes < max_bytes) {
    throw UsageError(fmt::format("-f/--stepfactor must be > 1, got {}", step_factor));
  }
  std::vector<std::uint64_t> sizes{min_bytes};
  while (sizes.back() < max_bytes) {
    const double next_f = std::round(static_cast<double>(sizes.back()) * step_factor);
    std::uint64_t next = next_f >= 1.8e19 ? max_bytes + 1 : static_cast<std::uint64_t>(next_f);
    if (next <= sizes.back()) next = sizes.back() + 1;
    if (next > max_bytes) break;
    sizes.push_back(next);
  }
  return sizes;
}

}  // namespace meshbench
