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

int calls_per_reduction(double last_call_s, int slots, int remaining, int max_batch) {
  const int by_size =
      std::min(std::max(1, max_batch), std::max(1, (kMaxReductionDoubles - 1) / std::max(1, slots)));
  int batch = 1;
  if (last_call_s > 0) {
    const double fits = std::min<double>(kMaxBatch, kMaxBatchSeconds / last_call_s);
    batch = static_cast<int>(std::min(fits, std::max<double>(kMinBatch, kBatchSeconds / last_call_s)));
  }
  batch = std::clamp(batch, 1, std::min(kMaxBatch, by_size));
  return remaining > 0 ? std::min(batch, remaining) : batch;
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
  Measurement m;
  m.slot_samples_us.assign(n, {});
  m.samples_us.reserve(static_cast<std::size_t>(std::max(0, s_.iters)));
  // Per batch: the calls' slots, then the interrupt vote; one reduction carries them all.
  std::vector<double> mine, worst;
  double longest_s = 0;
  while (m.iters() < s_.iters) {
    const int batch = calls_per_reduction(longest_s, slots, s_.iters - m.iters(), s_.max_batch);
    const std::size_t vote = n * static_cast<std::size_t>(batch);
    mine.assign(vote + 1, 0.0);
    worst.resize(vote + 1);
    for (std::size_t j = 0; j < static_cast<std::size_t>(batch); ++j) {
      mine[j * n + static_cast<std::size_t>(my_slot)] = sample();
    }
    mine[vote] = interrupt_vote();
    world_.all_reduce(mine.data(), worst.data(), vote + 1, Datatype::kFloat64, ReduceOp::kMax);
    if (worst[vote] >= AdaptiveStop::kVoteInterrupt) throw Interrupted();
    longest_s = 0;
    for (std::size_t j = 0; j < static_cast<std::size_t>(batch); ++j) {
      const auto call = worst.begin() + static_cast<std::ptrdiff_t>(j * n);
      const double t = *std::max_element(call, call + static_cast<std::ptrdiff_t>(n));
      longest_s = std::max(longest_s, t);
      m.samples_us.push_back(t * 1e6);
      for (std::size_t g = 0; g < n; ++g) {
        m.slot_samples_us[g].push_back(call[static_cast<std::ptrdiff_t>(g)] * 1e6);
      }
    }
  }
  m.warmup_iters = std::max(0, s_.warmup_iters);
  m.stop = stop_reason_name(AdaptiveStop::kFixed);
  return m;
}

Measurement Harness::measure_adaptive(const std::function<double()>& sample, int slots,
                                      int my_slot, const MeasureSettings& s) {
  const auto n = static_cast<std::size_t>(slots);
  // Per batch: the calls' slots, then the vote; one reduction carries them all.
  std::vector<double> mine, worst;
  std::vector<std::vector<double>> timed_slots(n > 1 ? n : 0);  // one slot: samples_us itself
  AdaptiveStop stop(s);
  world_.barrier();
  const double t0 = now_s();
  double elapsed = 0;  // after the previous batch: the next one's vote reads it
  double longest_s = 0;
  // The vote a timed phase starts with when warm-up ends inside a batch: the batch's own vote
  // was cast for the warm-up's budget. Every rank derives the same value.
  // (What vote() says at the timed phase's first instant.)
  const double fresh_vote = s.max_time_s <= 0   ? AdaptiveStop::kVoteEnd
                            : s.min_time_s > 0 ? AdaptiveStop::kVoteMinTime
                                               : AdaptiveStop::kVoteGo;
  while (!stop.done()) {
    const int batch = calls_per_reduction(longest_s, slots, 0, s.max_batch);
    const std::size_t vote_at = n * static_cast<std::size_t>(batch);
    mine.assign(vote_at + 1, 0.0);
    worst.resize(vote_at + 1);
    mine[vote_at] = stop.vote(elapsed);
    for (std::size_t j = 0; j < static_cast<std::size_t>(batch); ++j) {
      mine[j * n + static_cast<std::size_t>(my_slot)] = sample();
    }
    mine[vote_at] = std::max(mine[vote_at], interrupt_vote());  // asked after the calls
    world_.all_reduce(mine.data(), worst.data(), vote_at + 1, Datatype::kFloat64, ReduceOp::kMax);
    if (worst[vote_at] >= AdaptiveStop::kVoteInterrupt) throw Interrupted();
    elapsed = now_s() - t0;
    double vote = worst[vote_at];
    longest_s = 0;
    for (std::size_t j = 0; j < static_cast<std::size_t>(batch) && !stop.done(); ++j) {
      const auto call = worst.begin() + static_cast<std::ptrdiff_t>(j * n);
      const double t = *std::max_element(call, call + static_cast<std::ptrdiff_t>(n));
      longest_s = std::max(longest_s, t);
      const bool warming = stop.warming_up();
      if (!warming) {
        for (std::size_t g = 0; g < timed_slots.size(); ++g) {
          timed_slots[g].push_back(call[static_cast<std::ptrdiff_t>(g)] * 1e6);
        }
      }
      stop.add(t * 1e6, vote, elapsed);
      if (warming && !stop.warming_up()) vote = fresh_vote;
    }
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
