#include "bench/reporters/compare_report.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <fstream>
#include <set>
#include <stdexcept>

namespace meshbench {
namespace {

std::string placement_text(const PointResult& r) {
  return fmt::format("{} {}x{}", r.tier, r.group_nodes, r.group_ranks_per_node);
}

}  // namespace

void CompareCollector::on_point(const PointResult& point, std::span<const double> samples_us) {
  if (point.group == "all") rows_.emplace(Key{point.op, point.size_bytes, point.order}, point);
  if (next_) next_->on_point(point, samples_us);
}

void CompareCollector::print(std::ostream& out, const std::vector<std::string>& orders) const {
  std::set<CollectiveOp> ops;
  for (const auto& [key, r] : rows_) ops.insert(std::get<0>(key));
  for (CollectiveOp op : ops) {
    fmt::print(out, "#\n# compare {}: p50 time, busbw and tier (k nodes x g ranks per node) of "
                    "each placement; ratio = time / time of the first\n", op_name(op));
    std::string head = fmt::format("# {:>12}", "size(B)");
    for (std::size_t i = 0; i < orders.size(); ++i) {
      head += fmt::format(" | {:<22} {:>11} {:>9} {:>12}", orders[i], "p50(us)", "busbw",
                          i == 0 ? "" : "ratio");
    }
    fmt::print(out, "{}\n", head);
    std::set<std::uint64_t> sizes;
    for (const auto& [key, r] : rows_) {
      if (std::get<0>(key) == op) sizes.insert(std::get<1>(key));
    }
    for (std::uint64_t bytes : sizes) {
      std::string line = fmt::format("  {:>12}", bytes);
      const auto first = rows_.find(Key{op, bytes, orders.front()});
      for (std::size_t i = 0; i < orders.size(); ++i) {
        const auto it = rows_.find(Key{op, bytes, orders[i]});
        if (it == rows_.end()) {
          line += fmt::format(" | {:<22} {:>11} {:>9} {:>12}", "-", "-", "-", "");
          continue;
        }
        const PointResult& r = it->second;
        const std::string ratio =
            (i == 0 || first == rows_.end())
                ? ""
                : fmt::format("{:.2f}x", r.time_us.p50 / first->second.time_us.p50);
        line += fmt::format(" | {:<22} {:>11.2f} {:>9.4f} {:>12}", placement_text(r),
                            r.time_us.p50, r.busbw_GBps, ratio);
      }
      fmt::print(out, "{}\n", line);
    }
  }
  out.flush();
}

void CompareCollector::write_csv(const std::filesystem::path& dir,
                                 const std::vector<std::string>& orders) const {
  const auto file = dir / kCompareFile;
  std::ofstream out(file);
  if (!out) throw std::runtime_error(fmt::format("cannot write '{}'", file.string()));
  out << "op,dtype,bytes,axis,order,tier,group_nodes,group_ranks_per_node,groups,isolate,"
         "time_us_p50,busbw_GBps,time_ratio_to_first\n";
  for (const auto& [key, r] : rows_) {
    const auto& [op, bytes, order] = key;
    const auto first = rows_.find(Key{op, bytes, orders.front()});
    const std::string ratio =
        first == rows_.end() ? "" : fmt::format("{:.9g}", r.time_us.p50 / first->second.time_us.p50);
    fmt::print(out, "{},{},{},{},{},{},{},{},{},{},{:.9g},{:.9g},{}\n", op_name(op),
               dtype_name(r.dtype), bytes, r.axis, order, r.tier, r.group_nodes,
               r.group_ranks_per_node, r.groups, r.isolate ? 1 : 0, r.time_us.p50, r.busbw_GBps,
               ratio);
  }
  if (!out.flush()) throw std::runtime_error(fmt::format("cannot write '{}'", file.string()));
}

}  // namespace meshbench
