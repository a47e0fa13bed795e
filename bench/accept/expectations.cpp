#include "bench/accept/expectations.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <set>

#include "patterns/json_field.hpp"
#include "patterns/mesh.hpp"
#include "patterns/model_config.hpp"
#include "patterns/training.hpp"
#include "patterns/training_flags.hpp"
#include "patterns/units.hpp"

namespace meshbench {
namespace {

// Bounds of an expectations file: past them a value is a typo or a unit error, not a plan.
constexpr long long kMaxIters = 10'000'000, kMaxRepeats = 1000;
constexpr std::uint64_t kMaxCheckBytes = std::uint64_t{1} << 40;  // 1 TiB per buffer
constexpr double kMinTimeoutS = 1, kMaxTimeoutS = 7 * 86400.0, kMaxRate = 1e9;

/// A size field: an integer number of bytes or a text such as "1M" (nccl-tests' suffixes), in
/// [1, kMaxCheckBytes].
std::uint64_t read_size(const JsonField& v) {
  if (v.json().is_string()) {
    std::uint64_t bytes = 0;
    try {
      bytes = parse_bytes(v.string());
    } catch (const SizeParseError& e) {
      v.fail(e.what());
    }
    if (bytes < 1 || bytes > kMaxCheckBytes) {
      v.fail(fmt::format("expected a size in [1, {}], got {} ({} B)", kMaxCheckBytes, v.string(),
                         bytes));
    }
    return bytes;
  }
  if (!v.json().is_number()) {
    v.fail(fmt::format("expected a size such as 1M or 1048576, got {}", v.json().dump()));
  }
  return static_cast<std::uint64_t>(v.integer(1, static_cast<long long>(kMaxCheckBytes)));
}

/// A number > 0 and at most `max`, or nullopt when the key is absent.
std::optional<double> read_positive(const JsonField& obj, std::string_view key, double max) {
  const auto v = obj.find(key);
  if (!v) return std::nullopt;
  const double x = v->number(0, max);
  if (!(x > 0)) v->fail(fmt::format("expected a number > 0, got {}", x));
  return x;
}

/// scope, from "scope" and/or "tier".
CheckScope read_scope(const JsonField& c) {
  const auto tier = c.find("tier");
  const auto scope = c.find("scope");
  std::optional<CheckScope> from_scope;
  if (scope) {
    const std::string s = scope->string();
    if (s == "node") from_scope = CheckScope::kNode;
    else if (s == "rail") from_scope = CheckScope::kRail;
    else if (s == "all") from_scope = CheckScope::kAll;
    else scope->fail(fmt::format("expected \"node\", \"rail\" or \"all\", got '{}'", s));
  }
  if (!tier) {
    if (!from_scope) c.fail("give \"scope\" (node, rail or all) or \"tier\" (intra or inter)");
    return *from_scope;
  }
  const std::string t = tier->string();
  if (!is_tier_name(t)) tier->fail(fmt::format("expected \"intra\" or \"inter\", got '{}'", t));
  const CheckScope implied = t == "intra" ? CheckScope::kNode : CheckScope::kAll;
  if (!from_scope) return implied;
  if ((t == "intra") != (*from_scope == CheckScope::kNode)) {
    scope->fail(fmt::format("scope '{}' does not go with tier '{}' (node is intra; rail and all "
                            "are inter)", scope_name(*from_scope), t));
  }
  return *from_scope;
}

CollectiveExpectation read_collective(const JsonField& c, bool thresholds_optional) {
  CollectiveExpectation x;
  const JsonField op = c.at("op");
  const auto parsed = parse_op(op.string());
  if (!parsed) op.fail(fmt::format("unknown op '{}'", op.string()));
  x.op = *parsed;
  x.scope = read_scope(c);
  x.bytes = read_size(c.at("bytes"));
  x.min_busbw_GBps = read_positive(c, "min_busbw_GBps", kMaxRate);
  x.max_time_us = read_positive(c, "max_time_us", kMaxTimeoutS * 1e6);
  if (const auto d = c.find("max_drop")) {
    x.max_drop = d->number(0, 1);
    if (!(*x.max_drop > 0 && *x.max_drop < 1)) {
      d->fail(fmt::format("expected a fraction in (0, 1), got {}", *x.max_drop));
    }
  }
  if (!x.min_busbw_GBps && !x.max_time_us && !thresholds_optional) {
    c.fail("give min_busbw_GBps or max_time_us (or run with --baseline)");
  }
  return x;
}

/// "patterns": the model and training settings as `meshbench pattern` takes them (Megatron-LM's
/// names with underscores), the mesh order, the scale and the maxima per axis.
PatternsExpectation read_patterns(const JsonField& p, const std::string& file) {
  PatternsExpectation x;
  x.enabled = true;
  TrainingOptions t;
  const JsonField model = p.at("model");
  t.model = model.string();
  x.model_label = std::filesystem::path(t.model).filename().string();
  const std::filesystem::path beside = std::filesystem::path(file).parent_path() / t.model;
  if (std::filesystem::path(t.model).is_relative() && std::filesystem::exists(beside)) t.model = beside.string();
  t.layout = p.at("layout").string();
  if (const auto v = p.find("model_type")) t.model_type = v->string();
  if (const auto v = p.find("seq_length")) t.seq_length = v->integer(1, kMaxSeqLength);
  if (const auto v = p.find("micro_batch_size")) t.micro_batch_size = v->integer(1, kMaxMicroBatch);
  if (const auto v = p.find("global_batch_size")) t.global_batch_size = v->integer(1, kMaxGlobalBatch);
  if (const auto v = p.find("sequence_parallel")) t.sequence_parallel = v->boolean();
  if (const auto v = p.find("recompute")) t.recompute = v->string();
  if (const auto v = p.find("zero_stage")) t.zero_stage = static_cast<int>(v->integer(0, 3));
  if (const auto v = p.find("dp_bucket_size")) t.dp_bucket_size = v->string();
  if (const auto v = p.find("grad_reduce_dtype")) t.grad_reduce_dtype = v->string();
  if (const auto v = p.find("dtype")) t.dtype = v->string();
  if (const auto v = p.find("virtual_pipeline_stages")) {
    t.virtual_pipeline_stages = static_cast<int>(v->integer(1, 1024));
  }
  if (const auto v = p.find("order")) x.order = v->string();
  if (const auto v = p.find("scale")) {
    x.scale = v->number(0, 1);
    if (!(x.scale > 0)) v->fail("expected a scale in (0, 1], got 0");
  }
  try {
    x.inputs = to_traffic_inputs(t);
    (void)parse_mesh_order(x.order);
  } catch (const InputError& e) {  // the flag's name in its message is the key's, dashed
    p.fail(e.what());
  }
  for (const TrafficRow& r : step_traffic(x.inputs)) x.axes.insert(r.axis);
  const JsonField maxima = p.at("max_step_ms");
  for (const auto& [axis, v] : maxima.members()) {
    if (!x.axes.count(axis)) {
      v.fail(fmt::format("layout {} has no {} traffic (it has: {})", t.layout, axis,
                         fmt::join(x.axes, ", ")));
    }
    const double ms = v.number(0, kMaxTimeoutS * 1e3);
    if (!(ms > 0)) v.fail(fmt::format("expected a time > 0 ms, got {}", ms));
    x.max_step_ms[axis] = ms;
  }
  return x;
}

PairsExpectation read_pairs(const JsonField& p) {
  PairsExpectation x;
  x.enabled = true;
  if (const auto v = p.find("latency_bytes")) x.latency_bytes = read_size(*v);
  if (const auto v = p.find("bandwidth_bytes")) x.bandwidth_bytes = read_size(*v);
  if (const auto v = p.find("iters")) x.iters = static_cast<int>(v->integer(1, kMaxIters));
  if (const auto v = p.find("min_fraction_of_median")) {
    x.min_fraction_of_median = v->number(0, 1);
    // 0 would turn the slow-node rule off without saying so.
    if (!(x.min_fraction_of_median > 0)) v->fail("expected a fraction in (0, 1], got 0");
  }
  x.max_latency_us = read_positive(p, "max_latency_us", kMaxTimeoutS * 1e6);
  return x;
}

}  // namespace

const char* scope_name(CheckScope scope) {
  switch (scope) {
    case CheckScope::kNode: return "node";
    case CheckScope::kRail: return "rail";
    case CheckScope::kAll: return "all";
  }
  return "?";
}

std::string PatternsExpectation::name(const std::string& axis) const {
  return fmt::format("pattern {} {} {}", axis, model_label, format_mesh_sizes(inputs.layout));
}

std::string CollectiveExpectation::name() const {
  return fmt::format("{} {} {}", op_name(op), scope_name(scope), format_bytes(bytes));
}

bool CollectiveExpectation::judged_by_busbw() const {
  if (min_busbw_GBps) return true;
  if (max_time_us) return false;
  return bytes >= kBusbwFromBytes;
}

Expectations read_expectations(const std::string& file, bool thresholds_optional) {
  const nlohmann::json doc = read_json_file(file);
  const JsonField root(doc, file);
  root.require_schema("meshbench.expect/1");
  Expectations e;
  if (const auto iters = root.find("iters")) {
    e.measure.adaptive = false;
    e.measure.iters = static_cast<int>(iters->integer(1, kMaxIters));
    e.measure.warmup_iters = 5;
  }
  if (const auto w = root.find("warmup_iters")) {
    e.measure.warmup_iters = static_cast<int>(w->integer(0, kMaxIters));
  }
  if (const auto r = root.find("repeats")) e.repeats = static_cast<int>(r->integer(1, kMaxRepeats));
  if (const auto t = root.find("timeout_s")) e.timeout_s = t->number(kMinTimeoutS, kMaxTimeoutS);
  if (const auto b = root.find("bisect_min_fraction")) {
    e.bisect_min_fraction = b->number(0, 1);
    if (!(e.bisect_min_fraction > 0) || !(e.bisect_min_fraction < 1)) {
      b->fail(fmt::format("expected a fraction in (0, 1), got {}", e.bisect_min_fraction));
    }
  }
  if (const auto list = root.find("collectives")) {
    for (const JsonField& c : list->elements()) {
      e.collectives.push_back(read_collective(c, thresholds_optional));
    }
  }
  if (const auto p = root.find("pairs")) e.pairs = read_pairs(*p);
  if (const auto p = root.find("patterns")) e.patterns = read_patterns(*p, file);
  if (e.collectives.empty() && !e.pairs.enabled && !e.patterns.enabled) {
    throw InputError(fmt::format("{}: no checks: give \"collectives\", \"pairs\" and/or \"patterns\"",
                                 file));
  }
  for (std::size_t i = 0; i < e.collectives.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (e.collectives[i].name() == e.collectives[j].name()) {  // one baseline key per check
        throw InputError(fmt::format("{}: collectives[{}]: the check '{}' is given twice (also "
                                     "collectives[{}])", file, i, e.collectives[i].name(), j));
      }
    }
  }
  return e;
}

}  // namespace meshbench
