#include "fit/profile.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <tuple>

#include "fit/csv_table.hpp"
#include "patterns/json_field.hpp"
#include "patterns/mesh.hpp"

namespace meshbench::fit {
namespace {

nlohmann::json positive_or_null(double v) {
  return (std::isfinite(v) && v > 0) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

/// 1 / beta in GB/s (1e9 B/s) for beta in us per byte; 0 when beta <= 0.
double gbps(double beta_us_per_byte) { return beta_us_per_byte > 0 ? 1e-3 / beta_us_per_byte : 0; }

std::string utc_now() {
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
}

/// One algorithm of --algorithm, checked against its op (when given): a known name that has
/// steps for the op.
Algorithm checked_algorithm(const std::string& name, std::optional<CollectiveOp> op,
                            const std::string& item) {
  const auto alg = parse_algorithm(name);
  if (!alg) {
    throw InputError(fmt::format("--algorithm: unknown algorithm '{}'{} ({})", name,
                                 item.empty() ? "" : " in '" + item + "'", algorithm_names()));
  }
  if (op) {
    try {
      algorithm_steps(*op, *alg, 2);
    } catch (const std::invalid_argument& e) {
      throw InputError(fmt::format("--algorithm: {}", e.what()));
    }
  }
  return *alg;
}

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

}  // namespace

AlgorithmRequest parse_algorithm_request(const std::string& text) {
  AlgorithmRequest r;
  const std::string whole = trimmed(text);
  if (whole.empty()) return r;
  if (whole.find('=') == std::string::npos) {
    r.every_op = checked_algorithm(whole, std::nullopt, "");
    return r;
  }
  std::size_t at = 0;
  while (at <= whole.size()) {
    const std::size_t comma = std::min(whole.find(',', at), whole.size());
    const std::string item = trimmed(whole.substr(at, comma - at));
    at = comma + 1;
    const std::size_t eq = item.find('=');
    if (eq == std::string::npos) {
      throw InputError(fmt::format("--algorithm: expected OP=ALGORITHM in a list, got '{}'", item));
    }
    const std::string op_text = trimmed(item.substr(0, eq));
    const auto op = parse_op(op_text);
    if (!op) throw InputError(fmt::format("--algorithm: unknown op '{}' in '{}'", op_text, item));
    const Algorithm alg = checked_algorithm(trimmed(item.substr(eq + 1)), op, item);
    if (!r.per_op.emplace(*op, alg).second) {
      throw InputError(fmt::format("--algorithm: {} is named twice", op_name(*op)));
    }
  }
  return r;
}

namespace {

Algorithm algorithm_for(const std::string& op_text, const AlgorithmRequest& request,
                        const std::string& library) {
  const auto op = parse_op(op_text);
  if (!op) throw InputError(fmt::format("unknown op '{}'", op_text));
  if (const auto it = request.per_op.find(*op); it != request.per_op.end()) return it->second;
  if (request.every_op) return checked_algorithm(std::string(algorithm_name(*request.every_op)), op, "");
  return default_algorithm(*op, library == "nccl" ? CommLibrary::kNccl : CommLibrary::kMpi);
}

}  // namespace

std::string ProfileEntry::label() const {
  return fmt::format("{} {} {}x{} ({} ranks){}", op, tier, nodes, ranks_per_node, ranks,
                     concurrent_groups > 1 ? fmt::format(", {} at once", concurrent_groups) : "");
}

nlohmann::json make_profile(const std::vector<SeriesFit>& fits,
                            const std::vector<ImportedTable>& tables,
                            const std::string& algorithm,
                            const std::optional<ComputeCalibration>& compute) {
  nlohmann::json entries = nlohmann::json::array(), notes = nlohmann::json::array();
  std::map<std::tuple<std::string, std::string, int, int, int, int>, std::string> kept;
  const AlgorithmRequest request = parse_algorithm_request(algorithm);  // refused before any fit
  for (const SeriesFit& s : fits) {
    if (s.regimes.empty() || !aggregate_group(s.key.group)) continue;
    const auto key = std::tuple{s.key.op, s.key.tier, s.key.ranks, s.key.nodes,
                                s.key.ranks_per_node, s.key.concurrent_groups};
    if (const auto [it, fresh] = kept.emplace(key, s.key.label()); !fresh) {
      notes.push_back(fmt::format("{}: not kept, the same op, tier, placement and concurrency as "
                                  "{}", s.key.label(), it->second));
      continue;
    }
    const Algorithm alg =
        algorithm_for(s.key.op, request, s.points.empty() ? "" : s.points.front().library);
    const AlgorithmSteps steps = algorithm_steps(*parse_op(s.key.op), alg, s.key.ranks);
    nlohmann::json regimes = nlohmann::json::array();
    for (const LineFit& r : s.regimes) {
      const double beta = r.beta_us_per_byte, ci = r.beta_ci95_us_per_byte;
      nlohmann::json j = regime_json(r, s.busbw_factor);
      // The interval of 1/beta from beta's, and the per-link parameters of the algorithm.
      j["bw_ci95_GBps"] = {positive_or_null(gbps(beta + ci)), positive_or_null(gbps(beta - ci))};
      j["link_alpha_us"] = steps.alpha_steps > 0 ? nlohmann::json(r.alpha_us / steps.alpha_steps)
                                                 : nlohmann::json(nullptr);
      j["link_bw_GBps"] = positive_or_null(r.bw_GBps() * steps.beta_fraction);
      regimes.push_back(std::move(j));
    }
    entries.push_back({
        {"op", s.key.op},
        {"dtype", s.key.dtype},
        {"tier", s.key.tier},
        {"nodes", s.key.nodes},
        {"ranks_per_node", s.key.ranks_per_node},
        {"ranks", s.key.ranks},
        {"concurrent_groups", s.key.concurrent_groups},
        {"group", s.key.group},
        {"algorithm", algorithm_name(alg)},
        {"busbw_factor", s.busbw_factor},
        {"source", s.points.empty() ? "" : s.points.front().source},
        {"origin", s.origins()},
        {"n_points", s.points.size()},
        {"outliers", s.outliers.size()},
        {"median_abs_rel_error", s.accuracy.median_abs_rel_error},
        {"max_abs_rel_error_ge_64KiB", s.accuracy.max_abs_rel_error_ge_64KiB},
        {"regimes", regimes},
    });
  }
  nlohmann::json provenance = nlohmann::json::array();
  for (const ImportedTable& t : tables) {
    provenance.push_back({{"source", t.source.string()}, {"format", t.format}, {"hosts", t.hosts},
                          {"software", t.software}, {"hardware", t.hardware},
                          {"warnings", t.warnings}, {"notes", t.notes}});
  }
  nlohmann::json doc{
      {"schema", "meshbench.profile/1"},
      {"created", utc_now()},
      {"model", "t_us = alpha_us + bytes / (bw_GBps * 1e3) per regime (bytes = nccl-tests size); "
                "per link: alpha_steps * link_alpha_us + beta_fraction * bytes / (link_bw_GBps * "
                "1e3), steps of the algorithm; a pipelined ring's bandwidth-bound intercept is per "
                "call (patterns/collective_cost.hpp)"},
      {"provenance", provenance},
      {"entries", entries},
      {"notes", notes},
  };
  if (compute) doc["compute"] = compute_json(*compute);
  return doc;
}

namespace {

// Bounds of what a profile may hold: sizes up to 1 PiB, times up to an hour, rates up to
// 1 PB/s. Wider than any real link; past them a value is a unit error, not a measurement.
constexpr double kMaxProfileBytes = 1e15, kMaxAlphaUs = 3.6e9, kMaxGBps = 1e6, kMinGBps = 1e-9;

/// 1e-3 / bandwidth (us per byte) of a GB/s field, which must be present; 0 (no per-byte cost)
/// when it is null, as make_profile writes a regime without a fitted bandwidth.
double beta_of(const JsonField& regime, std::string_view key) {
  const JsonField bw = regime.at(key);
  return bw.is_null() ? 0 : 1e-3 / bw.number(kMinGBps, kMaxGBps);
}

ProfileRegime read_regime(const JsonField& r) {
  ProfileRegime reg;
  reg.bytes_min = r.at("bytes_min").number(0, kMaxProfileBytes);
  reg.bytes_max = r.at("bytes_max").number(0, kMaxProfileBytes);
  if (reg.bytes_max < reg.bytes_min) {
    r.fail(fmt::format("bytes_min {} is above bytes_max {}", reg.bytes_min, reg.bytes_max));
  }
  reg.alpha_us = r.at("alpha_us").number(0, kMaxAlphaUs);
  reg.beta_us_per_byte = beta_of(r, "bw_GBps");
  if (const JsonField la = r.at("link_alpha_us"); !la.is_null()) {
    reg.link_alpha_us = la.number(0, kMaxAlphaUs);
  }
  reg.link_beta_us_per_byte = beta_of(r, "link_bw_GBps");
  return reg;
}

ProfileEntry read_entry(const JsonField& e) {
  ProfileEntry entry;
  const std::string op = e.at("op").string();
  const auto parsed = parse_op(op);
  if (!parsed) e.at("op").fail(fmt::format("unknown op '{}'", op));
  entry.op = std::string(op_name(*parsed));  // "allreduce" is all_reduce, as lookups spell it
  if (const auto dtype = e.find("dtype")) entry.dtype = dtype->string();
  entry.tier = e.at("tier").string();
  if (!is_tier_name(entry.tier)) {
    e.at("tier").fail(fmt::format("expected \"intra\" or \"inter\", got '{}'", entry.tier));
  }
  entry.ranks = static_cast<int>(e.at("ranks").integer(1, kMaxMeshRanks));
  entry.nodes = static_cast<int>(e.at("nodes").integer(1, entry.ranks));
  entry.ranks_per_node = static_cast<int>(e.at("ranks_per_node").integer(1, entry.ranks));
  if (const auto c = e.find("concurrent_groups")) {  // absent in profiles before concurrency
    entry.concurrent_groups = static_cast<int>(c->integer(1, kMaxMeshRanks));
  }
  if (const auto g = e.find("group")) entry.group = g->string();
  const std::string alg_text = e.at("algorithm").string();
  const auto alg = parse_algorithm(alg_text);
  if (!alg) e.at("algorithm").fail(fmt::format("unknown algorithm '{}'", alg_text));
  entry.algorithm = *alg;
  if (const auto source = e.find("source")) entry.source = source->string();
  const JsonField regimes = e.at("regimes");
  for (const JsonField& r : regimes.elements()) entry.regimes.push_back(read_regime(r));
  if (entry.regimes.empty()) regimes.fail("no regimes");
  return entry;
}

}  // namespace

Profile read_profile(const std::filesystem::path& file) {
  const nlohmann::json doc = read_json_file(file);
  const JsonField root(doc, file.string());
  if (!doc.is_object() || !doc.contains("schema") || doc["schema"] != "meshbench.profile/1") {
    throw InputError(fmt::format("{}: schema is not meshbench.profile/1", file.string()));
  }
  Profile p;
  p.file = file.string();
  const std::vector<JsonField> entries = root.at("entries").elements();
  for (const JsonField& e : entries) p.entries.push_back(read_entry(e));
  // meshfit fit refuses two series of one key; in a profile they are two rates for one link and
  // prediction would take whichever comes first.
  for (std::size_t j = 0; j < p.entries.size(); ++j) {
    for (std::size_t i = 0; i < j; ++i) {
      const ProfileEntry &a = p.entries[i], &b = p.entries[j];
      // The key predict looks entries up by (closest_entry): op, tier and placement; the dtype
      // does not choose between them.
      if (a.op == b.op && a.tier == b.tier && a.ranks == b.ranks && a.nodes == b.nodes &&
          a.ranks_per_node == b.ranks_per_node && a.concurrent_groups == b.concurrent_groups) {
        entries[j].fail(fmt::format("repeats entries[{}] ({}): two rates for one series; keep "
                                    "one", i, b.label()));
      }
    }
  }
  if (const auto compute = root.find("compute")) p.compute = compute_from_json(*compute);
  return p;
}

namespace {

const ProfileEntry* closest_entry(const Profile& profile, const std::string& op,
                                  const std::string& tier, int ranks, int g, int concurrent = 1) {
  const ProfileEntry* best = nullptr;
  for (const ProfileEntry& e : profile.entries) {
    if (e.op != op || e.tier != tier) continue;
    auto distance = [&](const ProfileEntry& x) {
      return std::tuple{std::abs(x.ranks_per_node - g), std::abs(x.ranks - ranks),
                        std::abs(x.concurrent_groups - concurrent)};
    };
    if (!best || distance(e) < distance(*best)) best = &e;
  }
  return best;
}

/// Whether a regime's intercept outweighs its bytes' cost even at its largest size: the
/// latency-bound regime, whose intercept is the algorithm's steps of per-step latency.
bool latency_bound(const ProfileRegime& r) { return r.alpha_us >= r.beta_us_per_byte * r.bytes_max; }

/// The per-step latency of the entry's first latency-bound regime, in its algorithm's steps; 0
/// when it has none (a table that starts at large sizes).
double hop_alpha_us(const ProfileEntry& e) {
  for (const ProfileRegime& r : e.regimes) {
    if (latency_bound(r)) return r.link_alpha_us;
  }
  return 0;
}

/// The regime holding `bytes` (between two ranges: the upper one) and whether it extrapolates.
std::pair<std::size_t, bool> regime_of(const ProfileEntry& e, double bytes) {
  for (std::size_t i = 0; i < e.regimes.size(); ++i) {
    if (bytes <= e.regimes[i].bytes_max) return {i, bytes < e.regimes[i].bytes_min && i == 0};
  }
  return {e.regimes.size() - 1, true};
}

}  // namespace

Prediction predict(const Profile& profile, CollectiveOp op, double bytes, int ranks, int nodes,
                   const std::string& algorithm, int concurrent_groups) {
  if (ranks < 1 || nodes < 1 || nodes > ranks) {
    throw InputError(fmt::format("--ranks {} on --nodes {}: need 1 <= nodes <= ranks", ranks, nodes));
  }
  if (concurrent_groups < 1 || concurrent_groups > kMaxMeshRanks) {
    throw InputError(fmt::format("--concurrent-groups {}: need 1 to {}", concurrent_groups,
                                 kMaxMeshRanks));
  }
  const std::string tier = nodes > 1 ? "inter" : "intra";
  const int g = (ranks + nodes - 1) / nodes;
  const std::string name(op_name(op));
  const ProfileEntry* entry = closest_entry(profile, name, tier, ranks, g, concurrent_groups);
  if (!entry) {
    std::string have;
    for (const auto& e : profile.entries) have += fmt::format("{}{}", have.empty() ? "" : "; ", e.label());
    throw InputError(fmt::format("{}the profile has no {} {} entry (it has: {}); measure one with "
                                 "`meshbench sweep --ops {}` {} (`--mesh LAYOUT --axis AXIS` for "
                                 "a layout's own groups) and refit",
                                 profile.file.empty() ? "" : profile.file + ": ", tier, name,
                                 have.empty() ? "none" : have, name,
                                 tier == "inter" ? "on ranks of two or more nodes"
                                                 : "on the ranks of one node"));
  }
  Prediction p;
  p.entry = entry;
  const auto [index, extrapolated] = regime_of(*entry, bytes);
  p.regime = index;
  p.extrapolated = extrapolated;
  const ProfileRegime& r = entry->regimes[index];
  bool tree_latency = false;  // the pipelined ring's latency-bound all_reduce moved as the tree
  if (algorithm == "two_level") {
    if (op != CollectiveOp::kAllReduce || nodes < 2) {
      throw InputError("--algorithm two_level: only for all_reduce across nodes");
    }
    const ProfileEntry* intra = closest_entry(profile, name, "intra", g, g);
    if (!intra) {
      throw InputError(fmt::format("--algorithm two_level: {}the profile has no intra all_reduce "
                                   "entry", profile.file.empty() ? "" : profile.file + ": "));
    }
    p.intra_entry = intra;
    const ProfileRegime& ri = intra->regimes[regime_of(*intra, bytes).first];
    // The intra link from the intra entry; the inter link is what the inter fit leaves after
    // its intra phases (2(g-1) steps, 2(g-1)/g of the data).
    const LinkCost in_node{ri.link_alpha_us, ri.link_beta_us_per_byte};
    const double ke = entry->nodes, ge = entry->ranks_per_node;
    LinkCost across;
    across.alpha_us = (r.alpha_us - 2 * (ge - 1) * in_node.alpha_us) / (2 * (ke - 1));
    across.beta_us_per_byte = (r.beta_us_per_byte - 2 * (ge - 1) / ge * in_node.beta_us_per_byte) /
                              (2 * (ke - 1) / ke / ge);
    if (!(across.alpha_us > 0 && across.beta_us_per_byte > 0)) {
      throw InputError(fmt::format("--algorithm two_level: {} minus the intra phases of {} leaves "
                                   "no inter cost (alpha {:.3g} us, beta {:.3g} us/B)",
                                   entry->label(), intra->label(), across.alpha_us,
                                   across.beta_us_per_byte));
    }
    p.algorithm = "two_level";
    p.time_us = two_level_all_reduce_us(bytes, nodes, g, in_node, across);
  } else {
    Algorithm alg = entry->algorithm;
    if (!algorithm.empty() && algorithm != algorithm_name(alg)) {
      throw InputError(fmt::format("--algorithm {}: the profile's {} entry was fitted as {}; "
                                   "refit with --algorithm {}", algorithm, entry->label(),
                                   algorithm_name(alg), algorithm));
    }
    const AlgorithmSteps steps = algorithm_steps(op, alg, ranks);
    if (entry->ranks == 1 && !op_traits(op).point_to_point) {
      throw InputError(fmt::format("{} was measured on 1 rank: no link to scale", entry->label()));
    }
    p.algorithm = std::string(algorithm_name(alg));
    // Across nodes the per-byte cost is the node link's, shared by the groups crossing it.
    const double sharing = tier == "inter" ? static_cast<double>(concurrent_groups) /
                                                 static_cast<double>(entry->concurrent_groups)
                                           : 1.0;
    const bool latency = latency_bound(r);
    const double intercept_us = scaled_intercept_us(op, alg, r.alpha_us, latency,
                                                    hop_alpha_us(*entry), entry->ranks, ranks,
                                                    nodes > 1);
    p.time_us = intercept_us + steps.beta_fraction * bytes * r.link_beta_us_per_byte * sharing;
    tree_latency = entry->ranks != ranks &&
                   intercept_steps_of(op, alg, latency, nodes > 1) == Algorithm::kTree &&
                   alg != Algorithm::kTree;
  }
  const bool placed = entry->nodes == nodes && entry->ranks_per_node == g && entry->ranks == ranks;
  // Concurrency scales the per-byte cost of an inter entry in the ring model (two_level takes
  // its inter link from the fit as measured).
  const bool shared = tier == "inter" && algorithm != "two_level" &&
                      entry->concurrent_groups != concurrent_groups;
  if (!placed || shared) {
    p.note = fmt::format("scaled from {}{}{}", entry->label(),
                         shared ? fmt::format(": its inter link shared by {} group(s) at once "
                                              "instead of {}", concurrent_groups,
                                              entry->concurrent_groups)
                                : "",
                         tree_latency ? "; latency-bound: with the tree's 2 lg p steps, as NCCL "
                                        "runs it there"
                                      : "");
  }
  p.algbw_GBps = bytes / p.time_us / 1e3;
  p.busbw_GBps = p.algbw_GBps * busbw_factor(op, ranks);
  return p;
}

}  // namespace meshbench::fit
