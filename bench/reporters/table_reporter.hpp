#pragma once
// Google Benchmark display reporter that prints an nccl-tests-like table on rank 0.

#include <benchmark/benchmark.h>

#include <cstdint>

namespace meshbench {

/// Prints one row per (op, size) run (the aggregate over an axis's groups on a mesh) from the
/// counters bench/sweep.cpp sets, then nccl-tests'
/// closing lines ("Avg bus bandwidth", "Out of bounds values"). Aggregate runs
/// (--benchmark_repetitions > 1) are left to --benchmark_out.
class TableReporter final : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context& context) override;
  void ReportRuns(const std::vector<Run>& runs) override;
  void Finalize() override;

 private:
  bool header_printed_ = false;
  bool with_placement_ = false;  ///< names carry "<axis>@<order>/" (mesh runs)
  double busbw_sum_ = 0;
  std::size_t rows_ = 0;
  std::uint64_t wrong_ = 0;
  bool any_checked_ = false;
};

/// Reporter that prints nothing: every rank but 0 uses it.
class SilentReporter final : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>&) override {}
};

}  // namespace meshbench
