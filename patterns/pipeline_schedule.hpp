#pragma once
// The communication of one pipeline stage under the 1F1B schedule (PipeDream-Flush; Narayanan
// et al. 2021), in the order Megatron-LM issues it
// (megatron/core/pipeline_parallel/schedules.py, forward_backward_pipelining_without_interleaving):
// warm-up forwards, then one forward + one backward per step, then cool-down backwards, with
// the paired send-and-receive calls that keep neighbouring stages from deadlocking.

#include <string_view>
#include <vector>

namespace meshbench {

enum class PipelineComm {
  kRecvForward,              ///< activation from the previous stage
  kSendForward,              ///< activation to the next stage
  kSendForwardRecvBackward,  ///< activation to the next, its gradient back from it
  kSendBackwardRecvForward,  ///< gradient to the previous, next activation from it
  kRecvBackward,             ///< gradient from the next stage
  kSendBackward,             ///< gradient to the previous stage
};

std::string_view pipeline_comm_name(PipelineComm c);

/// The calls of `stage` (0-based) of `stages` for `micro_batches`, with the calls that would
/// cross the ends of the pipeline left out (the first stage receives no activation, the last
/// sends none). Over a step every stage but the last sends micro_batches activations and every
/// stage but the first micro_batches gradients. Throws std::invalid_argument for stage outside
/// [0, stages) or micro_batches < 1.
std::vector<PipelineComm> one_f_one_b(int stage, int stages, long long micro_batches);

}  // namespace meshbench
