#include "bench/accept/bisection.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <stdexcept>

namespace meshbench {

Bisection::Bisection(std::vector<int> nodes, double min_fraction)
    : suspects_(std::move(nodes)), min_fraction_(min_fraction) {
  if (!(min_fraction > 0 && min_fraction < 1)) {
    throw std::invalid_argument("Bisection: min_fraction must be in (0, 1)");
  }
  triangle_ = suspects_.size() == 3;
  if (suspects_.size() < 3) {
    finish(fmt::format("bisection needs 3 or more nodes ({} here): the node checks judge fewer",
                       suspects_.size()));
  }
}

namespace {
/// The pairs of the three-node procedure, by round: (0,1), (1,2), (0,2) of the suspects.
constexpr int kTrianglePairs[3][2] = {{0, 1}, {1, 2}, {0, 2}};
}  // namespace

void Bisection::decide_triangle() {
  std::size_t best = 0;
  for (std::size_t i = 1; i < 3; ++i) {
    if (rounds_[i].goodness[0] > rounds_[best].goodness[0]) best = i;
  }
  const double top = rounds_[best].goodness[0];
  for (std::size_t i = 0; i < 3; ++i) {
    if (i != best && !(rounds_[i].goodness[0] < min_fraction_ * top)) {
      finish(fmt::format("the pairs {}, {} and {} measured {:.4g}, {:.4g} and {:.4g}: no single "
                         "node is slower; suspects remain {}", rounds_[0].measured[0],
                         rounds_[1].measured[0], rounds_[2].measured[0], rounds_[0].goodness[0],
                         rounds_[1].goodness[0], rounds_[2].goodness[0], suspects_));
      return;
    }
  }
  // The node outside the fastest pair is in both slow ones.
  const int out = 3 - kTrianglePairs[best][0] - kTrianglePairs[best][1];
  const int culprit = suspects_[static_cast<std::size_t>(out)];
  for (std::size_t i = 0; i < 3; ++i) rounds_[i].slow_half = i == best ? -1 : 0;
  suspects_ = {culprit};
  finish(fmt::format("node {} is the slow one after 3 round(s) (its two pairs below the third)", culprit));
}

void Bisection::finish(std::string outcome) {
  done_ = true;
  outcome_ = std::move(outcome);
}

std::optional<std::array<std::vector<int>, 2>> Bisection::halves(
    std::array<std::vector<int>, 2>* measured) const {
  const std::size_t mid = suspects_.size() / 2;
  std::array<std::vector<int>, 2> h{std::vector<int>(suspects_.begin(), suspects_.begin() + mid),
                                    std::vector<int>(suspects_.begin() + mid, suspects_.end())};
  std::array<std::vector<int>, 2> m = h;
  std::size_t next_cleared = 0;
  for (auto& set : m) {
    if (set.size() >= 2) continue;
    if (next_cleared >= cleared_.size()) return std::nullopt;
    set.push_back(cleared_[next_cleared++]);
  }
  // Halves of equal node counts where a cleared node allows: a larger group is slower by
  // design (more ring steps), which must not read as a slow node.
  if (m[0].size() < m[1].size() && next_cleared < cleared_.size()) m[0].push_back(cleared_[next_cleared++]);
  if (measured) *measured = m;
  return h;
}

std::array<std::vector<int>, 2> Bisection::next_groups() const {
  if (done_) throw std::logic_error("Bisection::next_groups after done");
  if (triangle_) {
    const auto& p = kTrianglePairs[rounds_.size()];
    return {std::vector<int>{suspects_[static_cast<std::size_t>(p[0])], suspects_[static_cast<std::size_t>(p[1])]},
            std::vector<int>{}};
  }
  std::array<std::vector<int>, 2> measured;
  if (!halves(&measured)) throw std::logic_error("Bisection: no cleared node to pad with");
  return measured;
}

bool Bisection::decisive(double goodness_a, double goodness_b) const {
  // One pair per round, nothing to compare it with yet: every measurement of it is taken.
  if (triangle_) return false;
  return goodness_a < min_fraction_ * goodness_b || goodness_b < min_fraction_ * goodness_a;
}

void Bisection::record(double goodness_a, double goodness_b) {
  if (done_) throw std::logic_error("Bisection::record after done");
  if (triangle_) {
    Round r;
    r.measured = next_groups();
    r.suspects = r.measured;
    r.goodness = {goodness_a, 0};
    rounds_.push_back(r);
    if (rounds_.size() == 3) decide_triangle();
    return;
  }
  Round r;
  r.suspects = *halves(&r.measured);
  r.goodness = {goodness_a, goodness_b};
  if (goodness_a < min_fraction_ * goodness_b) r.slow_half = 0;
  else if (goodness_b < min_fraction_ * goodness_a) r.slow_half = 1;
  rounds_.push_back(r);
  if (r.slow_half < 0) {
    finish(fmt::format("the halves {} and {} measured alike ({:.4g} vs {:.4g}): no single node "
                       "is slower; suspects remain {}", r.suspects[0], r.suspects[1], goodness_a,
                       goodness_b, suspects_));
    return;
  }
  const auto& fast = r.suspects[static_cast<std::size_t>(1 - r.slow_half)];
  cleared_.insert(cleared_.end(), fast.begin(), fast.end());
  suspects_ = r.suspects[static_cast<std::size_t>(r.slow_half)];
  if (suspects_.size() == 1) {
    finish(fmt::format("node {} is the slow one after {} round(s)", suspects_.front(), rounds_.size()));
  } else if (!halves(nullptr)) {
    finish(fmt::format("no cleared node left to pair suspects {} with", suspects_));
  }
}

std::optional<int> Bisection::culprit() const {
  if (done_ && suspects_.size() == 1 && !rounds_.empty()) return suspects_.front();
  return std::nullopt;
}

}  // namespace meshbench
