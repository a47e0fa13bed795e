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
  if (suspects_.size() < 4) {
    finish(fmt::format("bisection needs 4 or more nodes ({} here): the node checks and the pair "
                       "matrix judge fewer", suspects_.size()));
  }
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
  if (measured) *measured = m;
  return h;
}

std::array<std::vector<int>, 2> Bisection::next_groups() const {
  if (done_) throw std::logic_error("Bisection::next_groups after done");
  std::array<std::vector<int>, 2> measured;
  if (!halves(&measured)) throw std::logic_error("Bisection: no cleared node to pad with");
  return measured;
}

bool Bisection::decisive(double goodness_a, double goodness_b) const {
  return goodness_a < min_fraction_ * goodness_b || goodness_b < min_fraction_ * goodness_a;
}

void Bisection::record(double goodness_a, double goodness_b) {
  if (done_) throw std::logic_error("Bisection::record after done");
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
