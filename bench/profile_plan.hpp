#pragma once
// What `meshbench profile` measures for a layout: for each mesh axis whose groups carry traffic
// in a training step (patterns/traffic), the ops of that traffic on the axis's own groups (all
// groups at once, as in a step) at the sizes its rows need plus a bracket around them, so that
// the fit interpolates rather than extrapolates. Pure: computed the same on every rank.

#include <cstdint>
#include <string>
#include <vector>

#include "patterns/traffic.hpp"

namespace meshbench {

/// One sweep of the profile: `axis` is the mesh axis whose groups it runs on (sweep --axis).
struct ProfileSweep {
  std::string axis;                 ///< tp, cp, ep, dp or pp
  std::vector<std::string> ops;     ///< distinct, in the order the rows name them
  std::uint64_t min_bytes = 0, max_bytes = 0;  ///< nccl-tests sizes, powers of two
  std::vector<std::string> rows;    ///< the traffic rows it covers ("dp step: gradients")
};

/// The sweeps for `in`'s step traffic: rows grouped by the one mesh axis of size > 1 their
/// groups span (a ZeRO row on dp groups joins dp; dp x cp with cp = 1 is dp); sizes from
/// bracket^-1 x the smallest call to bracket x the largest, rounded out to powers of two, at
/// least 1 KiB. The default 8 leaves the three sizes a regime's fit needs on each side, so a
/// protocol switch just past the sizes used (an MPI rendezvous threshold) is a regime of its
/// own and does not bend the line through them. `skipped` gets the rows whose
/// groups span several axes (a sweep runs on one axis's groups), each with its reason.
std::vector<ProfileSweep> profile_sweeps(const TrafficInputs& in, std::vector<std::string>& skipped,
                                         double bracket = 8);

}  // namespace meshbench
