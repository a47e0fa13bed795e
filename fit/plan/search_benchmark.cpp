// How long `meshplan search` takes: every layout of Llama-3 405B on 16,384 H100s (target: under
// a second on a 2-core machine).

#include <benchmark/benchmark.h>

#include "fit/plan/search.hpp"

namespace {

void BM_Search405BOn16384(benchmark::State& state) {
  using namespace meshbench;
  using namespace meshbench::plan;
  const ModelConfig model = model_preset("llama3-405b");
  TrainingConfig t;
  t.seq_length = 8192;
  t.global_batch_size = 2048;
  const GpuSpec gpu = gpu_spec("h100");
  const auto cost = spec_sheet_cost(cluster_for(gpu));
  long long layouts = 0;
  for (auto _ : state) {
    const SearchResult r = search_layouts(model, t, 16384, gpu, 8, *cost, {});
    layouts = r.enumerated;
    benchmark::DoNotOptimize(r.ranked.data());
  }
  state.counters["layouts"] = static_cast<double>(layouts);
}
BENCHMARK(BM_Search405BOn16384)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
