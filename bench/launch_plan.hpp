#pragma once
// How the timed calls of a point are launched: one call at a time ("eager"), or captured once
// into a CUDA graph and replayed (-G, nccl-tests' graph mode). StreamTimer does the
// bookkeeping for any stream backend; the CUDA parts sit behind StreamOps so that it is
// testable without a GPU.

#include <functional>
#include <string>

namespace meshbench {

struct LaunchPlan {
  int calls_per_sample = 1;  ///< calls timed together; a sample is their mean
  bool graph = false;        ///< capture those calls once into a graph; each sample replays it
};

/// The plan for `-G N`: 0 = eager, one call per sample; N >= 1 = a graph of N calls per sample.
/// Throws UsageError (bench/sweep_config.hpp) naming -G for N < 0 or N > 1024.
LaunchPlan launch_plan_for_graph_flag(int graph_calls);

/// "eager", or "graph:N" for a graph of N calls: the `launch` column of results.csv.
std::string launch_name(const LaunchPlan& plan);

/// What a stream backend provides to time calls (CUDA: events, stream capture, graph launch).
class StreamOps {
 public:
  virtual ~StreamOps() = default;
  virtual void record_start() = 0;
  virtual void record_stop() = 0;
  /// Waits for the stop record (and the backend's errors/timeouts); seconds start -> stop.
  virtual double wait_elapsed_seconds() = 0;
  virtual void begin_capture() = 0;
  /// Ends the capture begun by begin_capture and makes the graph launchable.
  virtual void end_capture() = 0;
  virtual void launch_graph() = 0;
};

/// Times samples of `call` on a stream: eager = start, calls, stop; graph = capture the calls
/// on the first sample (outside the timed region), then start, one graph launch, stop.
/// Returns seconds per call.
class StreamTimer {
 public:
  StreamTimer(StreamOps& ops, std::function<void()> call, LaunchPlan plan);
  double sample_seconds();
  int captures() const { return captures_; }  ///< graphs captured so far (0 or 1)

 private:
  StreamOps& ops_;
  std::function<void()> call_;
  LaunchPlan plan_;
  int captures_ = 0;
};

}  // namespace meshbench
