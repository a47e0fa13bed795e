#include "patterns/collective_cost.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace meshbench {

std::string_view algorithm_name(Algorithm a) {
  switch (a) {
    case Algorithm::kRing: return "ring";
    case Algorithm::kPipelinedRing: return "pipelined_ring";
    case Algorithm::kTree: return "tree";
    case Algorithm::kRecursiveDoubling: return "recursive_doubling";
    case Algorithm::kDirect: return "direct";
  }
  return "?";
}

namespace {
constexpr Algorithm kAlgorithms[] = {Algorithm::kRing, Algorithm::kPipelinedRing, Algorithm::kTree,
                                     Algorithm::kRecursiveDoubling, Algorithm::kDirect};
}  // namespace

std::optional<Algorithm> parse_algorithm(std::string_view name) {
  for (Algorithm a : kAlgorithms) {
    if (algorithm_name(a) == name) return a;
  }
  return std::nullopt;
}

std::string algorithm_names() {
  std::string out;
  for (Algorithm a : kAlgorithms) out += (out.empty() ? "" : ", ") + std::string(algorithm_name(a));
  return out;
}

Algorithm default_algorithm(CollectiveOp op, CommLibrary library) {
  if (op_traits(op).point_to_point) return Algorithm::kDirect;
  return library == CommLibrary::kNccl ? Algorithm::kPipelinedRing : Algorithm::kRing;
}

AlgorithmSteps algorithm_steps(CollectiveOp op, Algorithm asked, int p) {
  if (p < 1) throw std::invalid_argument(fmt::format("rank count must be >= 1, got {}", p));
  const double n = p;
  const double lg = std::ceil(std::log2(n));
  const bool point_to_point = op_traits(op).point_to_point;
  if (p == 1 && !point_to_point) return {0, 0};
  const Algorithm alg = asked == Algorithm::kPipelinedRing ? Algorithm::kRing : asked;  // same steps
  switch (op) {
    case CollectiveOp::kAllReduce:
      if (alg == Algorithm::kRing) return {2 * (n - 1), 2 * (n - 1) / n};
      if (alg == Algorithm::kTree) return {2 * lg, 1};
      if (alg == Algorithm::kRecursiveDoubling) {
        const bool power_of_two = (p & (p - 1)) == 0;
        const double rounds = power_of_two ? lg : std::floor(std::log2(n)) + 2;  // fold, unfold
        return {rounds, rounds};
      }
      break;
    case CollectiveOp::kAllGather:
    case CollectiveOp::kReduceScatter:
      if (alg == Algorithm::kRing) return {n - 1, (n - 1) / n};
      if (alg == Algorithm::kRecursiveDoubling) return {lg, (n - 1) / n};
      break;
    case CollectiveOp::kAllToAll:
      if (alg == Algorithm::kRing) return {n - 1, (n - 1) / n};
      break;
    case CollectiveOp::kBroadcast:
      if (alg == Algorithm::kRing) return {n - 1, 1};
      if (alg == Algorithm::kRecursiveDoubling) return {lg, lg};
      break;
    case CollectiveOp::kSendRecv:
    case CollectiveOp::kPingPong:
      if (alg == Algorithm::kDirect) return {1, 1};
      break;
  }
  throw std::invalid_argument(fmt::format("no {} algorithm for {}", algorithm_name(asked),
                                          op_name(op)));
}

Algorithm intercept_steps_of(CollectiveOp op, Algorithm alg, bool latency_bound, bool across_nodes) {
  if (alg != Algorithm::kPipelinedRing || !latency_bound) return alg;
  return op == CollectiveOp::kAllReduce && across_nodes ? Algorithm::kTree : Algorithm::kRing;
}

double scaled_intercept_us(CollectiveOp op, Algorithm alg, double intercept_us,
                           bool latency_bound, double hop_alpha_us, int p_fit, int p,
                           bool across_nodes) {
  const Algorithm steps_of = intercept_steps_of(op, alg, latency_bound, across_nodes);
  const double fitted = algorithm_steps(op, steps_of, p_fit).alpha_steps;
  const double steps = algorithm_steps(op, steps_of, p).alpha_steps;
  if (fitted <= 0) return intercept_us;  // p_fit = 1: nothing to scale by
  if (alg != Algorithm::kPipelinedRing || latency_bound) return intercept_us * steps / fitted;
  const double fill = std::clamp(fitted * hop_alpha_us, 0.0, std::max(0.0, intercept_us));
  return intercept_us - fill + fill * steps / fitted;
}

double two_level_all_reduce_us(double bytes, int k, int g, LinkCost intra, LinkCost inter) {
  const double kd = k, gd = g;
  return 2 * (gd - 1) * intra.alpha_us + 2 * (gd - 1) / gd * bytes * intra.beta_us_per_byte +
         2 * (kd - 1) * inter.alpha_us + 2 * (kd - 1) / kd * (bytes / gd) * inter.beta_us_per_byte;
}

}  // namespace meshbench
