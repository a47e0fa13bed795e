#include "bench/harness.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>

namespace meshbench {
namespace {

/// Seconds on a steady clock: the harness's own budget clock (the samples come from the
/// workload's timer, on the backend's clock).
double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string stop_reason_name(AdaptiveStop::Reason reason) {
  switch (reason) {
    case AdaptiveStop::kFixed: return "fixed";
    case AdaptiveStop::kPrecision: return "precision";
    case AdaptiveStop::kMaxTime: return "max_time";
    case AdaptiveStop::kMaxIters: return "max_iters";
  }
  return "unknown";
}

AdaptiveStop::AdaptiveStop(const MeasureSettings& settings) : s_(settings) {
  if (s_.warmup_iters == 0) warming_ = false;
  next_check_ = static_cast<std::size_t>(std::max(1, s_.min_iters));
}

double AdaptiveStop::vote(double elapsed_s) const {
  if (warming_) return elapsed_s >= s_.warmup_max_time_s ? kVoteEnd : kVoteGo;
  const double timed_s = elapsed_s - warmup_end_s_;
  if (timed_s >= s_.max_time_s) return kVoteEnd;
  return timed_s < s_.min_time_s ? kVoteMinTime : kVoteGo;
}

void AdaptiveStop::end_warmup(double elapsed_s) {
  warming_ = false;
  warmup_end_s_ = elapsed_s;
  batch_.clear();
}

bool AdaptiveStop::drop_transient() {
  if (samples_.size() < static_cast<std::size_t>(2 * std::max(4, s_.min_iters))) return false;
  const std::size_t half = samples_.size() / 2;
  const std::span<const double> all(samples_);
  const MedianInterval early = median_ci95(all.first(half), scratch_);
  const MedianInterval late = median_ci95(all.subspan(half), scratch_);
  // Disjoint intervals as well as a ratio: a bimodal steady state splits unevenly by chance.
  if (!(early.p50 > late.p50 * (1 + kDriftTolerance) && early.low > late.high)) return false;
  samples_.erase(samples_.begin(), samples_.begin() + static_cast<std::ptrdiff_t>(half));
  dropped_ += half;
  return true;
}

void AdaptiveStop::add(double time_us, double reduced_vote, double elapsed_s) {
  if (done_) return;
  if (warming_) {
    ++warmup_done_;
    if (s_.warmup_iters > 0) {  // an exact count (-w): only the count ends it
      if (warmup_done_ >= s_.warmup_iters) end_warmup(elapsed_s);
      return;
    }
    batch_.push_back(time_us);
    if (batch_.size() == static_cast<std::size_t>(kWarmupBatch)) {
      const double m = median_ci95(batch_, scratch_).p50;
      batch_.clear();
      if (last_batch_median_ > 0 &&
          std::abs(m - last_batch_median_) <= kWarmupTolerance * last_batch_median_) {
        end_warmup(elapsed_s);
        return;
      }
      last_batch_median_ = m;
    }
    if (reduced_vote == kVoteEnd) end_warmup(elapsed_s);
    return;
  }
  samples_.push_back(time_us);
  const bool enough = samples_.size() >= static_cast<std::size_t>(s_.min_iters);
  if (samples_.size() + dropped_ >= static_cast<std::size_t>(s_.max_iters)) {
    done_ = true;
    reason_ = kMaxIters;
    return;
  }
  if (reduced_vote == kVoteEnd && enough) {
    done_ = true;
    reason_ = kMaxTime;
    return;
  }
  if (samples_.size() < next_check_) return;
  // Checks at counts growing by 1/8: selection work stays linear in the samples.
  if (drop_transient()) {
    next_check_ = static_cast<std::size_t>(std::max(1, s_.min_iters));
    return;
  }
  next_check_ = samples_.size() + std::max<std::size_t>(4, samples_.size() / 8);
  if (reduced_vote == kVoteMinTime || !enough) return;
  const MedianInterval m = median_ci95(samples_, scratch_);
  if (m.p50 > 0 && (m.high - m.low) / 2 <= s_.precision * m.p50) {
    done_ = true;
    reason_ = kPrecision;
  }
}

Harness::Harness(Communicator& world, MeasureSettings settings,
                 std::function<bool()> interrupted)
    : world_(world), s_(std::move(settings)), interrupted_(std::move(interrupted)) {}

double Harness::interrupt_vote() const {
  return interrupted_ && interrupted_() ? AdaptiveStop::kVoteInterrupt : AdaptiveStop::kVoteEnd;
}

Measurement Harness::measure(const std::function<double()>& sample, int slots, int my_slot) {
  if (slots < 1 || my_slot < 0 || my_slot >= slots) {
    throw std::invalid_argument("Harness::measure: slot outside [0, slots)");
  }
  Measurement m;
  if (s_.adaptive) {
    // Every slot keeps every sample: bound the total at 2^25 doubles (256 MiB) per rank.
    MeasureSettings s = s_;
    const int cap = std::max(1, static_cast<int>((std::int64_t{1} << 25) / slots));
    s.max_iters = std::min(s.max_iters, std::max(cap, s.min_iters));
    m = measure_adaptive(sample, slots, my_slot, s);
  } else {
    m = measure_fixed(sample, slots, my_slot);
  }
  m.p50_us = median_ci95(m.samples_us);
  return m;
}

Measurement Harness::measure_fixed(const std::function<double()>& sample, int slots,
                                   int my_slot) {
  for (int i = 0; i < std::max(0, s_.warmup_iters); ++i) sample();
  world_.barrier();
  const auto n = static_cast<std::size_t>(slots);
  // Slots, then the interrupt vote: one reduction per iteration carries both.
  std::vector<double> mine(n + 1), worst(n + 1);
  Measurement m;
  m.slot_samples_us.assign(n, {});
  m.samples_us.reserve(static_cast<std::size_t>(s_.iters));
  for (int i = 0; i < s_.iters; ++i) {
    std::fill(mine.begin(), mine.end(), 0.0);
    mine[static_cast<std::size_t>(my_slot)] = sample();
    mine[n] = interrupt_vote();
    world_.all_reduce(mine.data(), worst.data(), n + 1, Datatype::kFloat64, ReduceOp::kMax);
    if (worst[n] >= AdaptiveStop::kVoteInterrupt) throw Interrupted();
    m.samples_us.push_back(*std::max_element(worst.begin(), worst.begin() + static_cast<std::ptrdiff_t>(n)) * 1e6);
    for (std::size_t g = 0; g < n; ++g) m.slot_samples_us[g].push_back(worst[g] * 1e6);
  }
  m.warmup_iters = std::max(0, s_.warmup_iters);
  m.stop = stop_reason_name(AdaptiveStop::kFixed);
  return m;
}

Measurement Harness::measure_adaptive(const std::function<double()>& sample, int slots,
                                      int my_slot, const MeasureSettings& s) {
  const auto n = static_cast<std::size_t>(slots);
  // Slots, then the vote: one reduction per iteration carries both.
  std::vector<double> mine(n + 1), worst(n + 1);
  std::vector<std::vector<double>> timed_slots(n > 1 ? n : 0);  // one slot: samples_us itself
  AdaptiveStop stop(s);
  world_.barrier();
  const double t0 = now_s();
  double elapsed = 0;  // after the previous iteration: the next one's vote reads it
  while (!stop.done()) {
    std::fill(mine.begin(), mine.end(), 0.0);
    mine[n] = stop.vote(elapsed);
    const bool timed = !stop.warming_up();
    mine[static_cast<std::size_t>(my_slot)] = sample();
    mine[n] = std::max(mine[n], interrupt_vote());  // asked after the call, as in fixed mode
    world_.all_reduce(mine.data(), worst.data(), n + 1, Datatype::kFloat64, ReduceOp::kMax);
    if (worst[n] >= AdaptiveStop::kVoteInterrupt) throw Interrupted();
    elapsed = now_s() - t0;
    if (timed) {
      for (std::size_t g = 0; g < timed_slots.size(); ++g) timed_slots[g].push_back(worst[g] * 1e6);
    }
    stop.add(*std::max_element(worst.begin(), worst.begin() + static_cast<std::ptrdiff_t>(n)) * 1e6,
             worst[n], elapsed);
  }
  Measurement m;
  m.samples_us = stop.samples_us();
  const auto first = static_cast<std::ptrdiff_t>(stop.first_kept());
  for (auto& t : timed_slots) m.slot_samples_us.emplace_back(t.begin() + first, t.end());
  if (n == 1) m.slot_samples_us = {m.samples_us};
  m.warmup_iters = stop.warmup_iters();
  m.stop = stop_reason_name(stop.stop_reason());
  return m;
}

}  // namespace meshbench
