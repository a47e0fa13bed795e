// Google Benchmark of the host verification that every sweep point pays after its timed calls
// (bench/verify.hpp): filling the inputs and counting wrong outputs, per element, for an
// all_reduce's sum over ranks and an all_gather's blocks. Run: build/bench/meshbench_verify_benchmark.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <vector>

#include "bench/verify.hpp"

namespace meshbench {
namespace {

constexpr std::uint64_t kSeed = 12345;

/// n float32 elements holding exactly what `form` expects: the output a correct call leaves.
std::vector<float> correct_output(const ExpectedForm& form, std::size_t n) {
  std::vector<float> buf(n);
  for (std::size_t i = 0; i < n; ++i) buf[i] = static_cast<float>(expected_value(form, i));
  return buf;
}

void BM_FillVerificationData(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<float> buf(n);
  for (auto _ : state) {
    fill_verification_data(buf.data(), Datatype::kFloat32, n, kSeed, 1, 4);
    benchmark::DoNotOptimize(buf.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_FillVerificationData)->Arg(1 << 20);

/// An all_reduce's output on `ranks` ranks: every element the sum over ranks.
void BM_CountWrongSum(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const int ranks = static_cast<int>(state.range(1));
  ExpectedForm form;
  form.seed = kSeed;
  form.magnitude = verification_magnitude(Datatype::kFloat32, ranks);
  form.nranks = ranks;
  form.sum_over_ranks = true;
  const std::vector<float> buf = correct_output(form, n);
  for (auto _ : state) {
    benchmark::DoNotOptimize(count_wrong(buf.data(), Datatype::kFloat32, n, form));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_CountWrongSum)->Args({1 << 20, 2})->Args({1 << 20, 8})->Args({1 << 16, 64});

/// An all_gather's output on 8 ranks: block r is rank r's input.
void BM_CountWrongBlocks(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  ExpectedForm form;
  form.seed = kSeed;
  form.magnitude = 4;
  form.nranks = 8;
  form.block = n / 8;
  const std::vector<float> buf = correct_output(form, n);
  for (auto _ : state) {
    benchmark::DoNotOptimize(count_wrong(buf.data(), Datatype::kFloat32, n, form));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_CountWrongBlocks)->Arg(1 << 20);

}  // namespace
}  // namespace meshbench

BENCHMARK_MAIN();
