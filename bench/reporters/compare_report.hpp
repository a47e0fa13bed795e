#pragma once
// `meshbench compare`: the same axis and sizes under several mesh orders, side by side.
// Keeps the aggregate row (group "all") of every point it is given, then prints one table per
// op (a row per size: time, busbw and tier of each placement, and the ratio to the first) and
// writes compare.csv (schema in results/README.md).

#include <filesystem>
#include <map>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include "bench/sweep.hpp"

namespace meshbench {

class CompareCollector final : public PointSink {
 public:
  /// `next` (may be null) receives every point too (the CSV writer).
  explicit CompareCollector(PointSink* next) : next_(next) {}
  void on_point(const PointResult& point, std::span<const double> samples_us) override;

  /// Side-by-side tables, placements in `orders` order (fastest-first order strings).
  void print(std::ostream& out, const std::vector<std::string>& orders) const;
  /// Writes compare.csv in `dir`. Throws std::runtime_error naming the file on failure.
  void write_csv(const std::filesystem::path& dir, const std::vector<std::string>& orders) const;

  static constexpr const char* kCompareFile = "compare.csv";

 private:
  using Key = std::tuple<CollectiveOp, std::uint64_t, std::string>;  // op, bytes, order
  PointSink* next_;
  std::map<Key, PointResult> rows_;  ///< first repetition of each aggregate point
};

}  // namespace meshbench
