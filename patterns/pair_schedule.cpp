#include "patterns/pair_schedule.hpp"

#include <algorithm>

namespace meshbench {

std::vector<std::vector<std::pair<int, int>>> pair_rounds(int nodes) {
  std::vector<std::vector<std::pair<int, int>>> rounds;
  if (nodes < 2) return rounds;
  // An odd count gets a phantom node: whoever meets it rests that round.
  const int n = nodes % 2 == 0 ? nodes : nodes + 1;
  std::vector<int> ring(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) ring[static_cast<std::size_t>(i)] = i;
  for (int r = 0; r < n - 1; ++r) {
    std::vector<std::pair<int, int>> round;
    for (int i = 0; i < n / 2; ++i) {
      const int a = ring[static_cast<std::size_t>(i)];
      const int b = ring[static_cast<std::size_t>(n - 1 - i)];
      if (a < nodes && b < nodes) round.emplace_back(std::min(a, b), std::max(a, b));
    }
    rounds.push_back(std::move(round));
    // Keep ring[0] fixed, rotate the rest by one.
    std::rotate(ring.begin() + 1, ring.end() - 1, ring.end());
  }
  return rounds;
}

}  // namespace meshbench
