#include "bench/pattern_units.hpp"

#include <algorithm>
#include <functional>

#include "bench/collectives/collective_test.hpp"
#include "bench/stats.hpp"
#include "bench/verify.hpp"
#include "patterns/pipeline_schedule.hpp"

namespace meshbench {
namespace {

constexpr Datatype kDtype = Datatype::kFloat32;  // every message is float32 elements
static_assert(kDtype == Datatype::kFloat32, "executed_counts (patterns/traffic) counts float32");

std::string axes_key(const std::vector<MeshAxis>& axes) {
  std::string s;
  for (MeshAxis a : axes) s += std::string(axis_name(a)) + ",";
  return s;
}

/// The 1F1B schedule of this rank's stage, one activation or gradient per call.
void run_one_f_one_b(PatternUnit& u, void* a, void* b) {
  Communicator& c = *u.comm;
  const int stage = c.rank(), stages = c.size();
  const std::size_t n = u.counts.send_count;
  for (PipelineComm step : one_f_one_b(stage, stages, u.calls)) {
    switch (step) {
      case PipelineComm::kRecvForward: c.recv(a, n, kDtype, stage - 1); break;
      case PipelineComm::kSendForward: c.send(a, n, kDtype, stage + 1); break;
      case PipelineComm::kSendForwardRecvBackward:
        c.send_recv(a, stage + 1, b, stage + 1, n, kDtype);
        break;
      case PipelineComm::kSendBackwardRecvForward:
        c.send_recv(b, stage - 1, a, stage - 1, n, kDtype);
        break;
      case PipelineComm::kRecvBackward: c.recv(b, n, kDtype, stage + 1); break;
      case PipelineComm::kSendBackward: c.send(b, n, kDtype, stage - 1); break;
    }
  }
}

/// Verification data of one rank: fill `bytes` at `p` with rank's inputs (bench/verify.hpp).
void fill_rank_data(Executor& exec, void* p, std::size_t bytes, const PointContext& ctx) {
  Buffers view{p, nullptr, nullptr};
  exec.fill(view, BufferLayout{bytes, 0, bytes, 0, 0}, ctx);
}

/// Wrong elements of `count` floats at `p` against rank `source`'s inputs.
std::uint64_t wrong_against(Executor& exec, void* p, std::size_t count, const PointContext& ctx,
                            int source) {
  ExpectedForm form = CollectiveTest::base_form(ctx);
  form.source_rank = source;
  Buffers view{nullptr, p, nullptr};
  return exec.count_wrong(view, kDtype, count, form);
}

}  // namespace

/// Bytes this rank must send and receive in one step of `u` (the table, rank-exact): what it
/// hands the API per call is its buffers' element counts (patterns/collective.hpp).
ByteCounts expected_bytes(const PatternUnit& u) {
  const std::uint64_t calls = static_cast<std::uint64_t>(u.calls), elem = element_bytes(kDtype);
  if (u.idle) return {0, 0};
  if (u.axis != "pp") {
    return {calls * u.counts.send_count * elem, calls * u.counts.recv_count * elem};
  }
  const std::uint64_t size = u.counts.size_bytes;
  // 1F1B: activations go to the next stage, gradients to the previous; the ends skip theirs.
  const int stage = u.comm->rank(), last = u.comm->size() - 1;
  const std::uint64_t fwd_out = stage < last ? calls : 0, fwd_in = stage > 0 ? calls : 0;
  return {(fwd_out + fwd_in) * size, (fwd_in + fwd_out) * size};
}

/// Measures one unit with the harness and verifies what it delivered. A collective row runs
/// its op's CollectiveTest (bench/collectives) `calls` times per step on its own buffers and
/// checks the last output; the 1F1B schedule relays stage 0's activations forward and the
/// last stage's gradients backward, so every other stage must end holding those.
/// `counted` is what every unit's counting communicator adds to (units run one at a time).
void measure_pattern_unit(PatternUnit& u, Communicator& world, Executor& exec, const MeasureSettings& settings,
                          const ByteCounts& counted) {
  Communicator& comm = *u.comm;
  PointContext ctx{comm.rank(), comm.size(), kDtype, u.counts, 1,
                   verification_magnitude(kDtype, comm.size()), false};
  Buffers buffers;
  BufferLayout layout;
  std::function<void()> step;
  const CollectiveTest* test = nullptr;
  if (u.idle) {
    step = [] {};
  } else if (u.axis == "pp") {
    const std::size_t bytes = u.counts.send_count * element_bytes(kDtype);
    const std::size_t second = (bytes + 255) / 256 * 256;
    layout = {second + bytes, 0, bytes, second, bytes};
    buffers = exec.allocate(layout, ctx);
    fill_rank_data(exec, buffers.recv, bytes, ctx);  // gradients: this stage's own data
    step = [&u, &buffers] { run_one_f_one_b(u, buffers.send, buffers.recv); };
  } else {
    test = &collective_test(u.op);
    layout = test->buffer_layout(ctx);
    buffers = exec.allocate(layout, ctx);
    step = [&u, &comm, &ctx, &buffers, test] {
      for (long long c = 0; c < u.calls; ++c) test->run(comm, ctx, buffers);
    };
  }
  const auto timer = exec.timer(step, LaunchPlan{});
  const ByteCounts before = counted;
  u.measured = Harness(world, settings).measure(
      [&] {
        // Every group starts the unit together, as in a step; then its own group again, so a
        // group inside a node does not start from the skew of a barrier across nodes (a
        // step's compute, not a barrier, comes before its calls).
        world.barrier();
        comm.barrier();
        ++u.steps;
        return timer->sample_seconds();
      },
      1, 0);
  u.counted = {counted.sent - before.sent, counted.received - before.received};
  if (u.idle) {
    // nothing delivered, nothing to check
  } else if (test) {
    u.wrong = exec.count_wrong(buffers, kDtype, test->checked_count(ctx), test->expected_form(ctx));
  } else {
    const int stage = comm.rank(), last = comm.size() - 1;
    if (stage > 0) u.wrong += wrong_against(exec, buffers.send, u.counts.send_count, ctx, 0);
    if (stage < last) u.wrong += wrong_against(exec, buffers.recv, u.counts.send_count, ctx, last);
  }
}


std::unique_ptr<PatternUnits> make_pattern_units(const std::vector<TrafficRow>& rows,
                                                 const DeviceMesh& mesh, const Topology& topo,
                                                 Communicator& comm, double scale) {
  auto out = std::make_unique<PatternUnits>();
  for (const char* axis : kPatternAxisOrder) {
    for (const TrafficRow& r : rows) {
      if (r.axis != axis) continue;
      if (r.axis == "pp" && r.phase == "bwd") continue;  // both directions run in the schedule
      PatternUnit u;
      u.axis = r.axis;
      u.phase = r.axis == "pp" ? "1f1b" : r.phase;
      u.op = r.op;
      u.calls = r.calls_per_step;
      u.group_axes = r.group_axes;
      u.group_size = r.group_size;
      u.what = r.axis == "pp" ? "1F1B: activations forward, gradients backward" : r.what;
      u.counts = executed_counts(r, scale);  // float32, as kDtype
      const std::string key = axes_key(r.group_axes) + (r.pipeline_ends ? "ends" : "");
      auto groups = mesh.groups(r.group_axes);
      if (r.pipeline_ends) {
        // The first and last rank of each group; the others each alone, idle.
        const std::vector<int> mine = mesh.group_of(topo.rank, r.group_axes);
        u.idle = topo.rank != mine.front() && topo.rank != mine.back();
        for (auto& g : groups) g = {g.front(), g.back()};
      }
      if (!out->comms.count(key)) {
        const int color = u.idle ? static_cast<int>(groups.size()) + topo.rank
                                 : mesh.group_index(topo.rank, r.group_axes);
        out->comms[key] = std::make_unique<CountingCommunicator>(comm.split(color, topo.rank), out->counted);
      }
      u.comm = out->comms[key].get();
      u.groups = static_cast<int>(groups.size());
      for (const auto& g : groups) {
        const GroupPlacement p = classify_group(g, topo.node_of_rank);
        u.tier = u.tier.empty() ? std::string(p.tier()) : (u.tier == p.tier() ? u.tier : "mixed");
        u.max_nodes = std::max(u.max_nodes, p.nodes);
        u.max_ranks_per_node = std::max(u.max_ranks_per_node, p.ranks_per_node);
      }
      out->units.push_back(std::move(u));
    }
  }
  return out;
}

std::map<std::string, double> axis_step_us(const std::vector<PatternUnit>& units) {
  std::map<std::string, double> out;
  for (const PatternUnit& u : units) out[u.axis] += summarize(u.measured.samples_us).p50;
  return out;
}

}  // namespace meshbench
