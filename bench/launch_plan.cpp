#include "bench/launch_plan.hpp"

#include <fmt/format.h>

#include "bench/sweep_config.hpp"

namespace meshbench {

LaunchPlan launch_plan_for_graph_flag(int graph_calls) {
  // A graph holds every captured call's kernels; beyond ~1000 calls capture time and graph
  // memory grow with no gain in launch-overhead amortisation.
  if (graph_calls < 0 || graph_calls > 1024) {
    throw UsageError(fmt::format("-G/--cudagraph must be 0 (eager) or 1..1024 calls per graph, "
                                 "got {}", graph_calls));
  }
  if (graph_calls == 0) return LaunchPlan{1, false};
  return LaunchPlan{graph_calls, true};
}

std::string launch_name(const LaunchPlan& plan) {
  return plan.graph ? fmt::format("graph:{}", plan.calls_per_sample) : "eager";
}

StreamTimer::StreamTimer(StreamOps& ops, std::function<void()> call, LaunchPlan plan)
    : ops_(ops), call_(std::move(call)), plan_(plan) {}

double StreamTimer::sample_seconds() {
  if (plan_.graph && captures_ == 0) {
    // Captured calls are recorded, not run: capture stays outside the timed region.
    ops_.begin_capture();
    for (int i = 0; i < plan_.calls_per_sample; ++i) call_();
    ops_.end_capture();
    ++captures_;
  }
  ops_.record_start();
  if (plan_.graph) {
    ops_.launch_graph();
  } else {
    for (int i = 0; i < plan_.calls_per_sample; ++i) call_();
  }
  ops_.record_stop();
  return ops_.wait_elapsed_seconds() / plan_.calls_per_sample;
}

}  // namespace meshbench
