#include "fit/plan/published_runs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "fit/alpha_beta.hpp"
#include "fit/csv_table.hpp"
#include "patterns/units.hpp"

namespace meshbench::plan {
namespace {

using fit::CsvRow;
using fit::CsvTable;
using fit::InputError;

struct RowReader {
  const CsvTable& t;
  const CsvRow& row;
  std::string text(const char* col) const { return row.fields[t.column(col)]; }
  bool empty(const char* col) const { return text(col).empty(); }
  /// The number `s` starts with (inf and nan included: callers range-check), and where it
  /// ends; nullopt when there is none.
  static std::optional<double> leading_number(const char* s, const char** end) {
    char* stop = nullptr;
    const double v = std::strtod(s, &stop);
    *end = stop;
    if (stop == s) return std::nullopt;
    return v;
  }
  /// The leading number of a field ("4h assumed" has none); nullopt when empty or not numeric.
  std::optional<double> number(const char* col) const {
    const std::string s = text(col);
    const char* end = nullptr;
    return leading_number(s.c_str(), &end);
  }
  /// A whole number in [1, max] (checked before any cast: "1e999" or 2^63 never wraps).
  long long integer(const char* col, long long max) const {
    const auto v = number(col);
    if (!v) {
      throw InputError(fmt::format("{}: column '{}': expected a positive integer, got '{}'",
                                   t.where(row), col, text(col)));
    }
    return checked_integer(*v, 1, max, fmt::format("{}: column '{}'", t.where(row), col));
  }
  /// A mesh size (tp, pp, ...): an integer in [1, kMaxMeshRanks].
  int mesh_size(const char* col) const { return static_cast<int>(integer(col, kMaxMeshRanks)); }
  /// A reported figure as papers print it: "41.5", "38-43" (a range: its midpoint, noted in
  /// `notes`), "~40"; nullopt when empty or not a number ("n/a").
  std::optional<double> figure(const char* col, std::vector<std::string>& notes) const {
    std::string s = text(col);
    if (!s.empty() && s.front() == '~') s.erase(0, 1);
    const char* end = nullptr;
    const auto lo = leading_number(s.c_str(), &end);
    if (!lo || !std::isfinite(*lo)) return std::nullopt;
    if (*end != '-') return lo;
    const char* end2 = nullptr;
    if (const auto hi = leading_number(end + 1, &end2); hi && std::isfinite(*hi) && *hi >= *lo) {
      notes.push_back(fmt::format("{} {}: the midpoint of the range", col, text(col)));
      return (*lo + *hi) / 2;
    }
    return lo;
  }
  /// Sequences per step: global_batch_seqs, or, when that is empty or not a number, a token
  /// count ("16M", binary suffixes as the papers' 4M/16M token batches are 2^22/2^24) in
  /// tokens_per_batch divided by the sequence length (noted in `notes`).
  long long global_batch(long long seq_length, std::vector<std::string>& notes) const {
    if (number("global_batch_seqs") || !t.find_column("tokens_per_batch")) {
      return integer("global_batch_seqs", kMaxGlobalBatch);
    }
    const std::string tokens_text = text("tokens_per_batch");
    std::uint64_t tokens = 0;
    try {
      tokens = parse_bytes(tokens_text);
    } catch (const SizeParseError&) {
      return integer("global_batch_seqs", kMaxGlobalBatch);  // refuses naming the column
    }
    if (tokens % static_cast<std::uint64_t>(seq_length) != 0) {
      throw InputError(fmt::format("{}: column 'tokens_per_batch': {} tokens are not a whole "
                                   "number of {}-token sequences", t.where(row), tokens_text,
                                   seq_length));
    }
    const long long seqs = checked_range(static_cast<long long>(tokens / static_cast<std::uint64_t>(seq_length)),
                                         1, kMaxGlobalBatch, t.where(row) + ": column 'tokens_per_batch'");
    notes.push_back(fmt::format("global batch {} sequences = tokens_per_batch {} / seq_len {}",
                                seqs, tokens_text, seq_length));
    return seqs;
  }
};


}  // namespace

/// The columns validate_runs reads: a file without one of them is refused whole (a value a
/// row cannot be priced with only skips that row).
constexpr const char* kColumns[] = {
    "row_id", "model", "layers", "hidden", "heads", "kv_heads", "ffn", "vocab", "seq_len",
    "global_batch_seqs", "micro_batch", "recompute", "tp", "pp", "dp", "cp", "seq_parallel",
    "vpp_interleave", "zero_or_fsdp", "gpu", "peak_tflops_per_gpu", "gpus_per_node",
    "gpus_total", "reported_mfu_pct", "derived_mfu_pct"};

Validation validate_runs(const std::filesystem::path& file,
                         const std::map<std::string, double>& efficiency) {
  const CsvTable table = CsvTable::read(file);
  for (const char* col : kColumns) table.column(col);  // throws InputError naming the column
  Validation v;
  for (const CsvRow& row : table.rows()) {
    const RowReader r{table, row};
    const std::string id = r.text("row_id");
    RunCheck c;
    c.row_id = id;
    c.model = r.text("model");
    if (const auto mfu = r.figure("reported_mfu_pct", c.assumptions)) {
      c.reported_mfu = *mfu / 100;
      c.reported_from = "reported_mfu_pct";
    } else if (const auto derived = r.figure("derived_mfu_pct", c.assumptions)) {
      c.reported_mfu = *derived / 100;
      c.reported_from = "derived_mfu_pct (the paper gives iteration time, not MFU)";
    } else {
      v.skipped.emplace_back(id, "neither reported_mfu_pct nor derived_mfu_pct");
      continue;
    }
    try {
      ModelConfig m;
      m.name = c.model;
      m.num_layers = r.integer("layers", model_limits::kMaxLayers);
      m.hidden_size = r.integer("hidden", model_limits::kMaxHidden);
      m.num_heads = r.integer("heads", model_limits::kMaxHeads);
      m.num_kv_heads = r.empty("kv_heads") ? m.num_heads : r.integer("kv_heads", model_limits::kMaxHeads);
      if (r.empty("kv_heads")) c.assumptions.push_back("kv_heads = heads (MHA)");
      if (const auto ffn = r.number("ffn"); ffn && *ffn > 16) {
        m.ffn_hidden_size = r.integer("ffn", model_limits::kMaxWidth);
      } else {
        m.ffn_hidden_size = 4 * m.hidden_size;
        c.assumptions.push_back("ffn = 4h (GPT)");
      }
      m.vocab_size = r.integer("vocab", model_limits::kMaxVocab);
      m.tied_embeddings = true;
      TrainingConfig t;
      t.seq_length = r.integer("seq_len", kMaxSeqLength);
      t.global_batch_size = r.global_batch(t.seq_length, c.assumptions);
      t.micro_batch_size = r.empty("micro_batch") ? 1 : r.integer("micro_batch", kMaxMicroBatch);
      if (r.empty("micro_batch")) c.assumptions.push_back("micro-batch 1");
      const std::string rec = r.text("recompute");
      t.recompute = rec.rfind("full", 0) == 0        ? Recompute::kFull
                    : rec.rfind("selective", 0) == 0 ? Recompute::kSelective
                                                     : Recompute::kNone;
      if (rec.empty()) c.assumptions.push_back("no recomputation");
      MeshSizes layout;
      layout[MeshAxis::kTp] = r.mesh_size("tp");
      layout[MeshAxis::kPp] = r.mesh_size("pp");
      layout[MeshAxis::kDp] = r.mesh_size("dp");
      layout[MeshAxis::kCp] = r.empty("cp") ? 1 : r.mesh_size("cp");
      const std::string sp = r.text("seq_parallel");
      t.sequence_parallel = sp == "yes" || (sp.empty() && layout[MeshAxis::kTp] > 1);
      if (sp.empty()) c.assumptions.push_back("sequence parallel with tp > 1 (Megatron-Core)");
      t.virtual_pipeline_stages = r.empty("vpp_interleave") ? 1 : r.mesh_size("vpp_interleave");
      const std::string zero = r.text("zero_or_fsdp");
      t.zero_stage = zero.find("distributed optimizer") != std::string::npos ? 1 : 0;
      PlanOptions o;
      // Megatron's distributed optimizer with --overlap-param-gather (and grad-reduce overlap)
      // hides the DP traffic behind compute.
      o.dp_overlap = zero.find("overlap") != std::string::npos ? 1.0 : 0.0;
      GpuSpec gpu = gpu_spec(r.text("gpu"));
      if (const auto peak = r.number("peak_tflops_per_gpu")) gpu.peak_bf16_tflops = *peak;
      c.gpu_generation = gpu.generation;
      if (const auto it = efficiency.find(gpu.generation); it != efficiency.end()) {
        o.matmul_efficiency = it->second;
      }
      const int gpn = r.empty("gpus_per_node") ? 8 : r.mesh_size("gpus_per_node");
      const TrafficInputs in = make_traffic_inputs(m, t, layout);
      if (layout.product() != r.integer("gpus_total", kMaxMeshRanks)) {
        throw ConfigError(fmt::format("tp x pp x dp x cp = {} but gpus_total = {}",
                                      layout.product(), r.text("gpus_total")));
      }
      const auto cost = spec_sheet_cost(cluster_for(gpu));
      c.estimate = estimate_step(in, gpu, gpn, *cost, o);
      c.predicted_mfu = c.estimate.mfu;
      c.ceiling_mfu = c.estimate.mfu_ceiling;
      c.rel_err = (c.predicted_mfu - c.reported_mfu) / c.reported_mfu;
      v.rows.push_back(std::move(c));
    } catch (const InputError& e) {  // a row it cannot price is skipped with the reason
      v.skipped.emplace_back(id, e.what());
    }
  }
  if (v.rows.empty()) {
    std::string why;
    for (std::size_t i = 0; i < v.skipped.size() && i < 3; ++i) {
      why += fmt::format("{}{}: {}", i ? "; " : "", v.skipped[i].first, v.skipped[i].second);
    }
    throw InputError(fmt::format("{}: no row could be priced ({} skipped{}{})", file.string(),
                                 v.skipped.size(), why.empty() ? "" : ": ", why));
  }
  std::vector<double> errs;
  for (const RunCheck& c : v.rows) {
    errs.push_back(std::abs(c.rel_err));
    v.max_abs_rel_err = std::max(v.max_abs_rel_err, std::abs(c.rel_err));
    if (c.ceiling_mfu < c.reported_mfu) ++v.ceiling_violations;
  }
  v.median_abs_rel_err = fit::median(errs);
  return v;
}

nlohmann::json validation_json(const Validation& v) {
  nlohmann::json rows = nlohmann::json::array();
  for (const RunCheck& c : v.rows) {
    rows.push_back({{"row_id", c.row_id}, {"model", c.model}, {"predicted_mfu", c.predicted_mfu},
                    {"reported_mfu", c.reported_mfu}, {"reported_from", c.reported_from},
                    {"ceiling_mfu", c.ceiling_mfu}, {"rel_err", c.rel_err},
                    {"matmul_efficiency", c.estimate.matmul_efficiency},
                    {"step_s", c.estimate.step_s}, {"assumptions", c.assumptions}});
  }
  nlohmann::json skipped = nlohmann::json::array();
  for (const auto& [id, why] : v.skipped) skipped.push_back({{"row_id", id}, {"reason", why}});
  return {{"rows", rows},
          {"summary", {{"median_abs_rel_err", v.median_abs_rel_err},
                       {"max_abs_rel_err", v.max_abs_rel_err},
                       {"ceiling_violations", v.ceiling_violations},
                       {"rows_used", v.rows.size()},
                       {"rows_skipped", skipped}}}};
}

std::map<std::string, GenerationFit> calibrate_efficiency(const std::filesystem::path& file) {
  // |rel err| of every row at every efficiency of the grid, by generation (rows in file order).
  constexpr int kLo = 30, kHi = 100;
  std::map<std::string, std::vector<std::vector<double>>> errs;  // gen -> [grid][row]
  for (int i = kLo; i <= kHi; ++i) {
    const double e = i / 100.0;
    const Validation v = validate_runs(file, {{"ampere", e}, {"hopper", e}, {"blackwell", e}});
    std::map<std::string, std::vector<double>> here;
    for (const RunCheck& c : v.rows) here[c.gpu_generation].push_back(std::abs(c.rel_err));
    for (auto& [gen, list] : here) errs[gen].push_back(std::move(list));
  }
  // The grid index minimising the median over the rows, leaving out row `skip` (-1: none).
  auto best_index = [](const std::vector<std::vector<double>>& grid, long long skip) {
    std::size_t best = 0;
    double best_err = std::numeric_limits<double>::infinity();
    for (std::size_t g = 0; g < grid.size(); ++g) {
      std::vector<double> kept;
      for (std::size_t r = 0; r < grid[g].size(); ++r) {
        if (static_cast<long long>(r) != skip) kept.push_back(grid[g][r]);
      }
      const double m = fit::median(kept);
      if (m < best_err) {
        best_err = m;
        best = g;
      }
    }
    return best;
  };
  std::map<std::string, GenerationFit> out;
  for (const auto& [gen, grid] : errs) {
    GenerationFit f;
    const std::size_t all = best_index(grid, -1);
    f.efficiency = (kLo + static_cast<int>(all)) / 100.0;
    f.rows = static_cast<int>(grid[all].size());
    f.in_sample_median = fit::median(grid[all]);
    std::vector<double> loo;
    for (std::size_t r = 0; f.rows > 1 && r < grid[all].size(); ++r) {
      loo.push_back(grid[best_index(grid, static_cast<long long>(r))][r]);
    }
    f.loo_median = loo.empty() ? std::nan("") : fit::median(loo);
    f.loo_max = loo.empty() ? std::nan("") : *std::max_element(loo.begin(), loo.end());
    f.loo_errors = loo;
    out[gen] = f;
  }
  return out;
}

}  // namespace meshbench::plan
