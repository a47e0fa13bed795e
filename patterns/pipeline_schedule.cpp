#include "patterns/pipeline_schedule.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace meshbench {

std::string_view pipeline_comm_name(PipelineComm c) {
  switch (c) {
    case PipelineComm::kRecvForward: return "recv_forward";
    case PipelineComm::kSendForward: return "send_forward";
    case PipelineComm::kSendForwardRecvBackward: return "send_forward_recv_backward";
    case PipelineComm::kSendBackwardRecvForward: return "send_backward_recv_forward";
    case PipelineComm::kRecvBackward: return "recv_backward";
    case PipelineComm::kSendBackward: return "send_backward";
  }
  return "?";
}

std::vector<PipelineComm> one_f_one_b(int stage, int stages, long long micro_batches) {
  if (stage < 0 || stage >= stages || micro_batches < 1) {
    throw std::invalid_argument(fmt::format("1F1B: stage {} of {}, {} micro-batches", stage,
                                            stages, micro_batches));
  }
  const bool first = stage == 0, last = stage == stages - 1;
  std::vector<PipelineComm> out;
  auto add = [&](PipelineComm c) {
    // Calls across the ends of the pipeline do nothing in Megatron; drop them.
    const bool to_next = c == PipelineComm::kSendForward || c == PipelineComm::kRecvBackward ||
                         c == PipelineComm::kSendForwardRecvBackward;
    if ((to_next && last) || (!to_next && first)) return;
    out.push_back(c);
  };
  const long long warmup = std::min<long long>(stages - stage - 1, micro_batches);
  const long long remaining = micro_batches - warmup;
  for (long long i = 0; i < warmup; ++i) {
    add(PipelineComm::kRecvForward);
    add(PipelineComm::kSendForward);
  }
  if (remaining > 0) add(PipelineComm::kRecvForward);
  for (long long i = 0; i < remaining; ++i) {
    add(PipelineComm::kSendForwardRecvBackward);
    if (i == remaining - 1) {
      add(PipelineComm::kSendBackward);
    } else {
      add(PipelineComm::kSendBackwardRecvForward);
    }
  }
  for (long long i = 0; i < warmup; ++i) {
    add(PipelineComm::kRecvBackward);
    add(PipelineComm::kSendBackward);
  }
  return out;
}

}  // namespace meshbench
