#pragma once
// Bisection to the slow node (`meshbench accept`): when a collective over many nodes is slow,
// split the suspect nodes in two halves, measure both halves at once with the same collective,
// keep the slower half as the suspects and the faster as cleared, and repeat: O(log N) rounds
// instead of the N^2 pairs of a pair matrix. A half of one node cannot run an inter-node
// collective alone, so it is measured together with one cleared node (whose link was just seen
// to be healthy). Three nodes have no cleared node to start from: their three pairs are measured
// one per round instead, and the node outside the fastest pair is named when both other pairs
// are slower. This class holds the decisions only; the command measures.

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace meshbench {

class Bisection {
 public:
  /// One round: the node sets measured (suspects of each half, plus a cleared node where the
  /// half has one suspect or one fewer than the other), their goodness (busbw, or 1 / time: higher is better) and which
  /// half was kept (0, 1, or -1 when neither was slower). A round of the three-node procedure
  /// measures one pair: measured[1] is empty.
  struct Round {
    std::array<std::vector<int>, 2> suspects, measured;
    std::array<double, 2> goodness{};
    int slow_half = -1;
  };

  /// `nodes`: the node indices of the collective that failed. `min_fraction` in (0, 1): a half
  /// is the slow one when its goodness is below min_fraction x the other's. With 3 nodes, the
  /// three pairs one at a time; with fewer, nothing to split: done at once, no culprit.
  /// Throws std::invalid_argument for min_fraction outside (0, 1).
  Bisection(std::vector<int> nodes, double min_fraction);

  bool done() const { return done_; }
  /// The two node sets to measure next, at once (disjoint; the second is empty in a round of the
  /// three-node procedure). Throws std::logic_error when done.
  std::array<std::vector<int>, 2> next_groups() const;
  /// True when goodness a and b differ enough to decide a round (one below min_fraction x the
  /// other).
  bool decisive(double goodness_a, double goodness_b) const;
  /// The goodness of next_groups()[0] and [1] (b is ignored when [1] is empty). Throws
  /// std::logic_error when done.
  void record(double goodness_a, double goodness_b);

  /// The node named, when the suspects narrowed to one.
  std::optional<int> culprit() const;
  const std::vector<int>& suspects() const { return suspects_; }
  const std::vector<Round>& rounds() const { return rounds_; }
  /// Why it stopped, in words (node indices; the caller adds host names).
  const std::string& outcome() const { return outcome_; }

 private:
  /// The halves of the suspects and their padding; empty when a half of one node finds no
  /// cleared node to pair with.
  std::optional<std::array<std::vector<int>, 2>> halves(std::array<std::vector<int>, 2>* measured) const;
  void finish(std::string outcome);
  /// The three-node procedure's decision after its three pairs.
  void decide_triangle();

  bool triangle_ = false;  ///< three nodes: pairs, one per round

  std::vector<int> suspects_, cleared_;
  double min_fraction_;
  bool done_ = false;
  std::string outcome_;
  std::vector<Round> rounds_;
};

}  // namespace meshbench
