#include "bench/pair_matrix.hpp"

#include <algorithm>

#include "bench/collectives/collective_test.hpp"
#include "bench/executor.hpp"
#include "bench/interrupt.hpp"
#include "bench/launch_plan.hpp"
#include "bench/stats.hpp"
#include "patterns/collective.hpp"
#include "patterns/pair_schedule.hpp"

namespace meshbench {
namespace {

constexpr std::size_t kFields = 4;  // latency p50, latency min, bandwidth-size p50, bw GB/s

/// One-way times (RTT / 2, the ping_pong test's reported time) in us of `bytes` between the two
/// ranks of `pair` (rank 0: the lower node), measured by the harness; the same on both ranks.
/// Signals are not voted on here: the round's world reduction carries them, so that no rank
/// outside the pair is left waiting.
std::vector<double> ping_pong_us(Communicator& pair, std::uint64_t bytes, const MeasureSettings& settings) {
  const CollectiveTest& test = ping_pong_test();
  PointContext ctx{pair.rank(), pair.size(), Datatype::kFloat32,
                   element_counts(CollectiveOp::kPingPong, bytes, pair.size(), 4), 1, 1};
  const auto exec = pair.make_executor();
  Buffers buf = exec->allocate(test.buffer_layout(ctx), ctx);
  const auto timer = exec->timer([&] { test.run(pair, ctx, buf); }, LaunchPlan{});
  Harness harness(pair, settings, [] { return false; });
  return harness.measure([&] { return test.reported_seconds(ctx, timer->sample_seconds()); }, 1, 0)
      .samples_us;
}

}  // namespace


std::vector<PairMeasurement> measure_pair_matrix(
    Communicator& world, const Topology& topo, std::uint64_t latency_bytes,
    std::uint64_t bandwidth_bytes, const MeasureSettings& settings,
    const std::function<void(const std::vector<PairMeasurement>&)>& on_round) {
  const bool leader = topo.local_rank == 0;
  // Leaders in node order: node n's leader is rank n of `leaders`.
  auto leaders = world.split(leader ? 0 : 1, topo.node_index);
  const auto nodes = static_cast<std::size_t>(topo.nodes);
  const std::uint64_t lat = std::max<std::uint64_t>(4, latency_bytes / 4 * 4);
  const std::uint64_t bw = std::max<std::uint64_t>(4, bandwidth_bytes / 4 * 4);
  std::vector<PairMeasurement> all;
  const auto rounds = pair_rounds(topo.nodes);
  for (std::size_t round = 0; round < rounds.size(); ++round) {
    // Cell (a * nodes + b) * kFields + f, filled for a < b by node a's leader; the last element
    // counts the ranks signalled (bench/interrupt.hpp), in the same reduction.
    std::vector<double> mine(nodes * nodes * kFields + 1, 0.0), got(mine.size(), 0.0);
    if (leader) {
      // A communicator per pair of this round (lower node first); a leader left out of every
      // pair (odd node count) gets one of its own and idles.
      int color = static_cast<int>(nodes) + topo.node_index;
      for (std::size_t k = 0; k < rounds[round].size(); ++k) {
        const auto& [a, b] = rounds[round][k];
        if (topo.node_index == a || topo.node_index == b) color = static_cast<int>(k);
      }
      const auto pair = leaders->split(color, topo.node_index);
      for (const auto& [a, b] : rounds[round]) {
        if (topo.node_index != a && topo.node_index != b) continue;
        const bool first = topo.node_index == a;
        const auto l = ping_pong_us(*pair, lat, settings);
        const auto w = ping_pong_us(*pair, bw, settings);
        if (first) {
          double* f = &mine[(static_cast<std::size_t>(a) * nodes + static_cast<std::size_t>(b)) * kFields];
          f[0] = summarize(l).p50;
          f[1] = *std::min_element(l.begin(), l.end());
          f[2] = summarize(w).p50;
          f[3] = algbw_GBps(bw, f[2]);
        }
      }
    }
    // Everyone meets here, so the next round starts when this one has ended everywhere.
    mine.back() = interrupt_requested() ? 1 : 0;
    world.all_reduce(mine.data(), got.data(), mine.size(), Datatype::kFloat64, ReduceOp::kSum);
    const bool interrupted = got.back() > 0;
    if (topo.rank == 0) {
      std::vector<PairMeasurement> rows;
      for (const auto& [a, b] : rounds[round]) {
        const double* f = &got[(static_cast<std::size_t>(a) * nodes + static_cast<std::size_t>(b)) * kFields];
        rows.push_back({a, b, static_cast<int>(round), f[0], f[1], f[2], f[3]});
      }
      if (on_round) on_round(rows);
      all.insert(all.end(), rows.begin(), rows.end());
    }
    if (interrupted) throw Interrupted();  // every rank, after this round was reported
  }
  return all;
}

std::vector<double> node_median_bandwidth(const std::vector<PairMeasurement>& rows, int nodes) {
  std::vector<std::vector<double>> per(static_cast<std::size_t>(nodes));
  for (const auto& r : rows) {
    per[static_cast<std::size_t>(r.node_a)].push_back(r.bw_GBps);
    per[static_cast<std::size_t>(r.node_b)].push_back(r.bw_GBps);
  }
  std::vector<double> out;
  for (auto& p : per) out.push_back(p.empty() ? 0.0 : summarize(p).p50);
  return out;
}

}  // namespace meshbench
