#pragma once
// results.csv (one row per point) and samples.csv (one row per timed iteration), written and
// flushed as each point finishes so that a crash or Ctrl-C loses nothing already measured.
// Columns are documented in results/README.md.

#include <filesystem>
#include <fstream>
#include <span>
#include <string>

#include "bench/sweep.hpp"

namespace meshbench {

/// Run-wide facts repeated on every row so each row stands alone.
struct RunFacts {
  int nodes = 1;
  int ranks_per_node = 1;
  std::string wait_mode;
  std::string backend = "mpi";   ///< mpi | nccl
  std::string launch = "eager";  ///< eager, or graph:N (-G N: N calls per CUDA graph)
};

/// The results.csv header line (no newline), shared by the sweep and `meshbench pattern`.
std::string results_csv_header();
/// One results.csv row for `point` (no newline).
std::string results_csv_fields(const PointResult& point, const RunFacts& facts);

class CsvPointWriter final : public PointSink {
 public:
  /// Creates `dir`/results.csv and `dir`/samples.csv with their headers. Throws UsageError
  /// naming the file if either exists already (results are never overwritten) or cannot be
  /// written.
  CsvPointWriter(const std::filesystem::path& dir, RunFacts facts);
  void on_point(const PointResult& point, std::span<const double> samples_us) override;

  static constexpr const char* kResultsFile = "results.csv";
  static constexpr const char* kSamplesFile = "samples.csv";

 private:
  RunFacts facts_;
  std::ofstream results_;
  std::ofstream samples_;
};

}  // namespace meshbench
