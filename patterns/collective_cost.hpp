#pragma once
// Alpha-beta cost of collective algorithms (Hockney model per step): the time of one call of
// `op` on p ranks is  alpha_steps * alpha + beta_fraction * n * beta,  with alpha the per-step
// latency and beta the per-byte time of one link, n the nccl-tests size of the call
// (patterns/collective.hpp). Source: Thakur, Rabenseifner and Gropp, "Optimization of
// Collective Communication Operations in MPICH", IJHPCA 19(1), 2005, sections 4.1-4.5; the
// double binary tree is NCCL's (Sanders, Speck and Traeff, "Two-tree algorithms for full
// bandwidth broadcast, reduction and scan", Parallel Computing 35(12), 2009).
//
// Fitting a measured collective to t = A + B n and dividing A by alpha_steps and B by
// beta_fraction gives per-link alpha and beta, which predict the same op on another p.
//
// Two kinds of ring. MPI's ring (MPICH's all_gather and reduce_scatter for long messages) sends
// each step's whole block before the next step starts, so every step pays the latency: a fit's
// intercept is alpha_steps per-step latencies at every size. NCCL's ring moves a message in
// chunks through all steps at once, so a large message pays the per-step latency per chunk, in
// its per-byte cost, and a bandwidth-bound regime's intercept is a per-call cost that does not
// grow with the steps (scaled_intercept_us).

#include <optional>
#include <string>
#include <string_view>

#include "patterns/collective.hpp"

namespace meshbench {

enum class Algorithm {
  kRing,               ///< all_reduce 2(p-1) steps; all_gather / reduce_scatter / all_to_all
                       ///< (pairwise) and pipelined broadcast p-1 steps; store and forward
                       ///< per step (MPI)
  kPipelinedRing,      ///< the same steps, chunked through them at once (NCCL's ring)
  kTree,               ///< NCCL double binary tree all_reduce: 2 lg p steps, n per link
  kRecursiveDoubling,  ///< lg p steps (recursive halving for reduce_scatter, binomial
                       ///< broadcast)
  kDirect,             ///< point to point: send_recv, ping_pong (one step)
};

/// "ring", "pipelined_ring", "tree", "recursive_doubling", "direct".
std::string_view algorithm_name(Algorithm a);
/// Every algorithm's name, comma separated, for messages and help.
std::string algorithm_names();
std::optional<Algorithm> parse_algorithm(std::string_view name);

/// The library that ran a measurement, as far as the algorithm assumed for it goes.
enum class CommLibrary { kMpi, kNccl };

/// The algorithm meshbench assumes for `op` run by `library` unless told otherwise: for the
/// collectives the ring (MPICH's large-message choice; NCCL's, pipelined), direct for send_recv
/// and ping_pong.
Algorithm default_algorithm(CollectiveOp op, CommLibrary library = CommLibrary::kMpi);

/// Step counts of one call: t = alpha_steps * alpha + beta_fraction * n * beta.
struct AlgorithmSteps {
  double alpha_steps = 1;    ///< number of latency-bound steps
  double beta_fraction = 1;  ///< bytes through the busiest link per byte of nccl-tests size
};

/// Steps of `op` with `alg` on p >= 1 ranks (lg p rounded up):
///   all_reduce      ring 2(p-1), 2(p-1)/p | tree 2 lg p, 1 | recursive doubling lg p, lg p,
///                   and for p not a power of two floor(lg p) + 2 of each (the ranks beyond
///                   the power of two fold their whole vector in first and get the result
///                   back last: MPICH's allreduce_intra_recursive_doubling.c; Thakur et al.
///                   2005, section 4.4)
///   all_gather,     ring p-1, (p-1)/p      | recursive doubling (halving) lg p, (p-1)/p
///   reduce_scatter
///   all_to_all      ring (pairwise exchange) p-1, (p-1)/p
///   broadcast       ring (pipelined) p-1, 1 | recursive doubling (binomial) lg p, lg p
///   send_recv,      direct 1, 1
///   ping_pong
/// The pipelined ring has the ring's steps. On p = 1 every collective is free (0, 0). Throws std::invalid_argument for a combination
/// not in the table (e.g. tree all_gather) or p < 1.
AlgorithmSteps algorithm_steps(CollectiveOp op, Algorithm alg, int p);

/// The algorithm whose steps move a regime's intercept (scaled_intercept_us): `alg` itself,
/// except a pipelined ring's latency-bound regime, which moves as the algorithm NCCL runs there:
/// the tree for an all_reduce across nodes, the ring otherwise.
Algorithm intercept_steps_of(CollectiveOp op, Algorithm alg, bool latency_bound, bool across_nodes);

/// A fitted size regime's intercept (microseconds, the whole call's, fitted on p_fit ranks)
/// moved to p ranks.
///  - Store-and-forward algorithms (ring, tree, recursive doubling, direct) pay the per-step
///    latency at every step: intercept x alpha_steps(p) / alpha_steps(p_fit) (Thakur et al.
///    2005).
///  - The pipelined ring follows NCCL's tuning model, latency = baseLat + nsteps x hwLat with
///    the bytes over the bus bandwidth on top (src/graph/tuning.cc). A latency-bound regime
///    grows with the steps of the algorithm NCCL runs there: its tuning picks the faster of ring
///    and tree per size, which for a latency-bound all_reduce across nodes is the double binary
///    tree (2 lg p steps), and the ring otherwise. A bandwidth-bound regime pays a large
///    message's per-step latency per chunk, inside its per-byte cost, and the per-step latency
///    once more as the pipeline fills: of its intercept, up to alpha_steps(p_fit) x
///    hop_alpha_us (the latency-bound regime's per-step latency; 0 when none was measured) is
///    that fill and grows with the steps, the rest is per call and does not move.
/// Throws std::invalid_argument as algorithm_steps does.
double scaled_intercept_us(CollectiveOp op, Algorithm alg, double intercept_us,
                           bool latency_bound, double hop_alpha_us, int p_fit, int p,
                           bool across_nodes);

/// Per-link alpha and beta of the Hockney model, microseconds and microseconds per byte.
struct LinkCost {
  double alpha_us = 0;
  double beta_us_per_byte = 0;
};

/// Two-level all_reduce over k nodes of g ranks (reduce-scatter inside each node, ring
/// all_reduce of the 1/g shards across nodes, all-gather inside): 
///   2(g-1) a_i + 2(g-1)/g n b_i  +  2(k-1) a_e + 2(k-1)/k (n/g) b_e
/// with intra link (a_i, b_i) and inter link (a_e, b_e). Time in microseconds.
double two_level_all_reduce_us(double bytes, int k, int g, LinkCost intra, LinkCost inter);

}  // namespace meshbench
