#include "patterns/pipeline_schedule.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <map>

namespace meshbench {
namespace {

struct Counts { long long sent_fwd = 0, recv_fwd = 0, sent_bwd = 0, recv_bwd = 0; };

Counts count(const std::vector<PipelineComm>& calls) {
  Counts c;
  for (PipelineComm x : calls) {
    switch (x) {
      case PipelineComm::kRecvForward: ++c.recv_fwd; break;
      case PipelineComm::kSendForward: ++c.sent_fwd; break;
      case PipelineComm::kSendForwardRecvBackward: ++c.sent_fwd; ++c.recv_bwd; break;
      case PipelineComm::kSendBackwardRecvForward: ++c.sent_bwd; ++c.recv_fwd; break;
      case PipelineComm::kRecvBackward: ++c.recv_bwd; break;
      case PipelineComm::kSendBackward: ++c.sent_bwd; break;
    }
  }
  return c;
}

TEST(OneFOneB, EveryMicroBatchCrossesEveryBoundaryBothWays) {
  for (int p : {2, 3, 4, 8}) {
    for (long long m : {1LL, 2LL, 3LL, 8LL, 12LL}) {
      for (int s = 0; s < p; ++s) {
        const Counts c = count(one_f_one_b(s, p, m));
        EXPECT_EQ(c.sent_fwd, s == p - 1 ? 0 : m) << p << " " << m << " " << s;
        EXPECT_EQ(c.recv_bwd, s == p - 1 ? 0 : m);
        EXPECT_EQ(c.recv_fwd, s == 0 ? 0 : m);
        EXPECT_EQ(c.sent_bwd, s == 0 ? 0 : m);
      }
    }
  }
}

// Runs all stages' call lists against each other with blocking semantics (a paired call waits
// for its partner's matching call): the schedule must finish, i.e. never deadlock.
TEST(OneFOneB, StagesNeverDeadlock) {
  for (int p : {2, 3, 4, 6}) {
    for (long long m : {1LL, 2LL, 5LL, 8LL}) {
      std::vector<std::vector<PipelineComm>> calls;
      for (int s = 0; s < p; ++s) calls.push_back(one_f_one_b(s, p, m));
      std::vector<std::size_t> pc(p, 0);
      std::vector<bool> posted(p, false);  // the send half of a paired call is out
      // Messages in flight on each link, per direction (unbounded buffering, like eager sends;
      // blocking on receives only).
      std::map<std::pair<int, int>, int> fwd_msgs, bwd_msgs;  // (from, to) -> count
      bool progress = true;
      while (progress) {
        progress = false;
        for (int s = 0; s < p; ++s) {
          if (pc[s] == calls[s].size()) continue;
          const PipelineComm c = calls[s][pc[s]];
          auto& from_prev = fwd_msgs[{s - 1, s}];
          auto& from_next = bwd_msgs[{s + 1, s}];
          bool done = true;
          switch (c) {
            case PipelineComm::kRecvForward: done = from_prev > 0; if (done) --from_prev; break;
            case PipelineComm::kSendForward: ++fwd_msgs[{s, s + 1}]; break;
            case PipelineComm::kSendForwardRecvBackward:
              if (!posted[s]) ++fwd_msgs[{s, s + 1}], posted[s] = true, progress = true;
              done = from_next > 0;
              if (done) --from_next;
              break;
            case PipelineComm::kSendBackwardRecvForward:
              if (!posted[s]) ++bwd_msgs[{s, s - 1}], posted[s] = true, progress = true;
              done = from_prev > 0;
              if (done) --from_prev;
              break;
            case PipelineComm::kRecvBackward: done = from_next > 0; if (done) --from_next; break;
            case PipelineComm::kSendBackward: ++bwd_msgs[{s, s - 1}]; break;
          }
          if (done) {
            ++pc[s];
            posted[s] = false;
            progress = true;
          }
        }
      }
      for (int s = 0; s < p; ++s) EXPECT_EQ(pc[s], calls[s].size()) << "p " << p << " m " << m << " stage " << s;
    }
  }
}

}  // namespace
}  // namespace meshbench
