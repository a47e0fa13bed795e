#include "bench/reporters/csv_writer.hpp"

#include "bench/reporters/run_output.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

namespace meshbench {

std::string results_csv_header() {
  return "op,dtype,ranks,nodes,ranks_per_node,mesh,order,axis,groups,isolate,group,tier,"
         "group_nodes,group_ranks_per_node,wait_mode,bytes,count,repetition,iters,warmup_iters,"
         "time_us_min,time_us_p50,time_us_mean,time_us_p99,time_us_max,time_cv,algbw_GBps,"
         "busbw_GBps,busbw_factor,wrong,backend,launch,in_place,time_us_p50_ci_low,"
         "time_us_p50_ci_high,stop";
}

std::string results_csv_fields(const PointResult& p, const RunFacts& facts) {
  const std::string wrong = p.checked() ? fmt::format("{}", p.wrong) : "";
  // Significant digits, not fixed decimals: single-rank points take tens of ns, where six
  // decimals of a microsecond would leave only 2-3 digits and algbw could not be recomputed.
  // The mesh ("tp=2,dp=2") holds commas: quoted, as RFC 4180 says.
  return fmt::format("{},{},{},{},{},\"{}\",{},{},{},{},{},{},{},{},{},", op_name(p.op),
                     dtype_name(p.dtype), p.ranks, facts.nodes, facts.ranks_per_node, p.mesh,
                     p.order, p.axis, p.groups, p.isolate ? 1 : 0, p.group, p.tier,
                     p.group_nodes, p.group_ranks_per_node, facts.wait_mode) +
         fmt::format("{},{},{},{},{},{:.9g},{:.9g},{:.9g},{:.9g},{:.9g},{:.9g},{:.9g},{:.9g},"
                     "{:.9g},{},{},{},{},{:.9g},{:.9g},{}",
                     p.size_bytes, p.count, p.repetition, p.iters, p.warmup_iters, p.time_us.min,
                     p.time_us.p50, p.time_us.mean, p.time_us.p99, p.time_us.max, p.time_us.cv,
                     p.algbw_GBps, p.busbw_GBps, p.busbw_factor, wrong, facts.backend,
                     facts.launch, p.in_place ? 1 : 0, p.p50_ci_low_us, p.p50_ci_high_us,
                     p.stop);
}

CsvPointWriter::CsvPointWriter(const std::filesystem::path& dir, RunFacts facts)
    : facts_(std::move(facts)),
      results_(open_new_file(dir / kResultsFile)),
      samples_(open_new_file(dir / kSamplesFile)) {
  results_ << results_csv_header() << "\n";
  samples_ << "op,dtype,ranks,order,axis,isolate,group,bytes,repetition,iteration,time_us\n";
  results_.flush();
  samples_.flush();
}

void CsvPointWriter::on_point(const PointResult& p, std::span<const double> samples_us) {
  results_ << results_csv_fields(p, facts_) << "\n";
  results_.flush();
  for (std::size_t i = 0; i < samples_us.size(); ++i) {
    fmt::print(samples_, "{},{},{},{},{},{},{},{},{},{},{:.9g}\n", op_name(p.op),
               dtype_name(p.dtype), p.ranks, p.order, p.axis, p.isolate ? 1 : 0, p.group,
               p.size_bytes, p.repetition, i, samples_us[i]);
  }
  samples_.flush();
}

}  // namespace meshbench
