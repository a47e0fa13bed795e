// Google Benchmark of importing and fitting an nccl-tests table of N rows (issue target: 100,000
// rows under 2 s on a 2-core development machine). The table is written once per size: a
// three-regime all_reduce on 8 ranks (LL, LL128 and Simple-like steps) with 2% noise, printed as
// nccl-tests prints it (2 decimals), so the importer's checks run as on a real file.

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "fit/importers/import.hpp"
#include "fit/series_fit.hpp"

namespace {

std::filesystem::path write_table(long long rows) {
  const auto path = std::filesystem::temp_directory_path() / fmt::format("meshfit_bench_{}.txt", rows);
  std::ofstream out(path);
  out << "# nThread 1 nGpus 8 minBytes 8 maxBytes 0 step: 8(bytes) warmup iters: 5 iters: 20\n"
         "#       size         count      type   redop    root     time   algbw   busbw #wrong"
         "     time   algbw   busbw #wrong\n";
  std::mt19937 rng(7);
  std::normal_distribution<double> noise(1.0, 0.02);
  for (long long i = 1; i <= rows; ++i) {
    const double bytes = 4096.0 * static_cast<double>(i);
    const double t = (bytes < 64e6 ? 12 + bytes / 40e3 : bytes < 256e6 ? 30 + bytes / 120e3 : 80 + bytes / 180e3) * noise(rng);
    const double alg = bytes / t / 1e3, bus = alg * 2 * 7 / 8.0;
    out << fmt::format("{:>12} {:>13} {:>9} {:>7} {:>7} {:>8.1f} {:>7.2f} {:>7.2f} {:>6} {:>8.1f} {:>7.2f} {:>7.2f} {:>6}\n",
                       static_cast<long long>(bytes), static_cast<long long>(bytes / 4), "float",
                       "sum", -1, t, alg, bus, 0, t, alg, bus, 0);
  }
  return path;
}

void BM_ImportAndFit(benchmark::State& state) {
  const auto path = write_table(state.range(0));
  meshbench::fit::ImportOptions o;
  o.op = "all_reduce";
  o.ranks = 8;
  o.nodes = 1;
  for (auto _ : state) {
    const auto table = meshbench::fit::import_table(path, o);
    const auto fits = meshbench::fit::fit_series(table.measurements);
    benchmark::DoNotOptimize(fits);
  }
  state.counters["rows"] = static_cast<double>(state.range(0));
}
BENCHMARK(BM_ImportAndFit)->Arg(1000)->Arg(3000)->Arg(100000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
