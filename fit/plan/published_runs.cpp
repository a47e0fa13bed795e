#include "fit/plan/published_runs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cctype>
#include <regex>
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

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool contains(const std::string& haystack, const char* needle) {
  return haystack.find(needle) != std::string::npos;
}

bool is_digit(const std::string& s, std::size_t i) {
  return i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]));
}

/// `s` without the thousands separators people type ("8,192" -> "8192", "16,384": a comma after
/// a digit and before exactly three; "1,5" stays).
std::string without_thousands(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool separator = s[i] == ',' && i > 0 && is_digit(s, i - 1) && is_digit(s, i + 1) &&
                           is_digit(s, i + 2) && is_digit(s, i + 3) && !is_digit(s, i + 4);
    if (!separator) out += s[i];
  }
  return out;
}

/// Whether the word at `pos` of lower-case `s` is negated just before it ("no fsdp", "not
/// interleaved", "non-interleaved", "without fp8", "w/o").
bool negated_at(const std::string& s, std::size_t pos) {
  const std::string before = s.substr(pos >= 12 ? pos - 12 : 0, pos >= 12 ? 12 : pos);
  for (const char* n : {"no ", "not ", "non-", "non ", "without ", "w/o ", "no-"}) {
    const std::string neg(n);
    if (before.size() >= neg.size() && before.compare(before.size() - neg.size(), neg.size(), neg) == 0) {
      return true;
    }
  }
  return false;
}

/// Whether lower-case `s` holds `word` as a whole word ("off" is not in "offload").
bool has_word(const std::string& s, const char* word) {
  const std::size_t n = std::char_traits<char>::length(word);
  for (std::size_t at = s.find(word); at != std::string::npos; at = s.find(word, at + 1)) {
    const bool left = at == 0 || !std::isalnum(static_cast<unsigned char>(s[at - 1]));
    const bool right = at + n >= s.size() || !std::isalnum(static_cast<unsigned char>(s[at + n]));
    if (left && right) return true;
  }
  return false;
}

/// Whether the words right after `end` of lower-case `s` switch it off ("FSDP not used",
/// "ZeRO-3: none", "--tp-comm-overlap disabled").
bool switched_off_after(const std::string& s, std::size_t end) {
  std::size_t i = end;
  while (i < s.size() && (s[i] == ' ' || s[i] == '=' || s[i] == ':' || s[i] == '(')) ++i;
  for (const char* off : {"false", "0", "off", "disabled", "no", "none", "not used", "not enabled", "unused"}) {
    const std::string o(off);
    if (s.compare(i, o.size(), o) == 0 &&
        (i + o.size() >= s.size() || !std::isalnum(static_cast<unsigned char>(s[i + o.size()])))) {
      return true;
    }
  }
  return false;
}

/// `s` with runs of spaces squeezed and at most 1,000 characters: what the regexes below see
/// (libstdc++'s std::regex recurses per character).
std::string for_regex(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == ' ' && !out.empty() && out.back() == ' ') continue;
    out += c;
    if (out.size() >= 1000) break;
  }
  return out;
}

/// Whether lower-case `s` names `word` other than negated; where first (npos: nowhere).
std::size_t mention(const std::string& s, const char* word) {
  const std::size_t n = std::char_traits<char>::length(word);
  for (std::size_t at = s.find(word); at != std::string::npos; at = s.find(word, at + 1)) {
    if (!negated_at(s, at) && !switched_off_after(s, at + n)) return at;
  }
  return std::string::npos;
}
bool mentions(const std::string& s, const char* word) { return mention(s, word) != std::string::npos; }

/// A launch flag quoted in lower-case `s` ("--tp-comm-overlap", "overlap_grad_reduce=False",
/// "--tp-comm-overlap disabled"): nullopt when absent, else whether it is on.
std::optional<bool> flag_value(const std::string& s, const char* flag) {
  const std::size_t at = s.find(flag);
  if (at == std::string::npos) return std::nullopt;
  if (negated_at(s, at) || (at >= 5 && s.compare(at - 5, 5, "--no-") == 0)) return false;
  const std::size_t end = at + std::char_traits<char>::length(flag);
  std::size_t i = end;
  while (i < s.size() && (s[i] == ' ' || s[i] == '=' || s[i] == ':' || s[i] == '(')) ++i;
  for (const char* unknown : {"not stated", "unknown", "n/a", "not given"}) {
    if (s.compare(i, std::char_traits<char>::length(unknown), unknown) == 0) return std::nullopt;
  }
  return !switched_off_after(s, end);
}

struct RowReader {
  const CsvTable& t;
  const CsvRow& row;
  std::string text(const char* col) const {
    const auto c = t.find_column(col);
    return c ? row.fields[*c] : std::string();
  }
  /// Lower case, for the keyword rules below.
  std::string lowered(const char* col) const { return lower(text(col)); }
  /// Empty, or a way of saying "not given": "n/a", "na", "-", "?", "not stated", "not given",
  /// "not reported", "not specified", "none stated", "unknown" (a "not used" is stated).
  bool unstated(const char* col) const {
    const std::string s = lowered(col);
    if (s.empty() || s == "-" || s == "?" || s == "na" || s.rfind("n/a", 0) == 0) return true;
    for (const char* p : {"not stated", "not given", "not reported", "not specified", "not listed",
                          "none stated", "unknown", "unstated"}) {
      if (s.rfind(p, 0) == 0) return true;
    }
    return false;
  }
  /// The number `s` starts with (inf and nan included: callers range-check), and where it
  /// ends; nullopt when there is none.
  static std::optional<double> leading_number(const char* s, const char** end) {
    char* stop = nullptr;
    const double v = std::strtod(s, &stop);
    *end = stop;
    if (stop == s) return std::nullopt;
    return v;
  }
  /// The leading number of a field, thousands separators allowed ("8,192", "53248 (SwiGLU)");
  /// nullopt when empty or not numeric ("4h assumed", "n/a").
  std::optional<double> number(const char* col) const {
    const std::string s = without_thousands(text(col));
    const char* end = nullptr;
    return leading_number(s.c_str(), &end);
  }
  /// The first number anywhere in a stated field ("FSDP=64", "local batch size 2"); nullopt
  /// for an unstated one.
  std::optional<double> any_number(const char* col) const {
    if (unstated(col)) return std::nullopt;
    if (const auto v = number(col)) return v;
    const std::string s = without_thousands(text(col));
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (std::isdigit(static_cast<unsigned char>(s[i]))) {
        const char* end = nullptr;
        return leading_number(s.c_str() + i, &end);
      }
    }
    return std::nullopt;
  }
  std::string where(const char* col) const { return fmt::format("{}: column '{}'", t.where(row), col); }
  /// A whole number in [1, max] (checked before any cast: "1e999" or 2^63 never wraps).
  long long integer(const char* col, long long max) const {
    const auto v = number(col);
    if (!v) {
      throw InputError(fmt::format("{}: expected a positive integer, got '{}'", where(col), text(col)));
    }
    return checked_integer(*v, 1, max, where(col));
  }
  /// integer() of a field that may be unstated; nullopt then (the caller states its default).
  std::optional<long long> optional_integer(const char* col, long long max) const {
    if (unstated(col) || !number(col)) return std::nullopt;
    return integer(col, max);
  }
  /// A mesh size (tp, pp, ...): an integer in [1, kMaxMeshRanks].
  int mesh_size(const char* col) const { return static_cast<int>(integer(col, kMaxMeshRanks)); }
  /// A reported figure as papers print it: "41.5", "55.38%", "38-43" (a range: its midpoint,
  /// noted in `notes`), "~40"; nullopt when empty or not a number ("n/a", "not reported").
  std::optional<double> figure(const char* col, std::vector<std::string>& notes) const {
    std::string s = text(col);
    if (!s.empty() && s.front() == '~') s.erase(0, 1);
    const char* end = nullptr;
    const auto lo = leading_number(s.c_str(), &end);
    if (!lo) return std::nullopt;
    if (!std::isfinite(*lo)) {
      throw InputError(fmt::format("{}: expected a percentage, got '{}'", where(col), text(col)));
    }
    if (*end != '-') return lo;
    const char* end2 = nullptr;
    if (const auto hi = leading_number(end + 1, &end2); hi && std::isfinite(*hi) && *hi >= *lo) {
      notes.push_back(fmt::format("{} {}: the midpoint of the range", col, text(col)));
      return (*lo + *hi) / 2;
    }
    return lo;
  }
  /// Free-text columns joined, lower case: `columns` of them.
  std::string joined(std::initializer_list<const char*> columns) const {
    std::string s;
    for (const char* col : columns) s += lowered(col) + " | ";
    return s;
  }
  /// Where a row names its training stack (not the model, "Mistral-NeMo 12B" is no NeMo run,
  /// nor the verification notes, which cite other sources for the architecture).
  std::string stack() const { return joined({"group", "zero_or_fsdp", "source"}); }
  /// Everything that may quote a launch flag.
  std::string flags() const { return joined({"group", "model", "zero_or_fsdp", "source", "verification"}); }
};

/// One published run as validate prices it.
struct PublishedRun {
  ModelConfig model;
  TrainingConfig train;
  MeshSizes layout;
  GpuSpec gpu;
  int gpus_per_node = 8;
  PlanOptions options;
};

ModelConfig read_model(const RowReader& r, std::vector<std::string>& notes) {
  ModelConfig m;
  m.name = r.text("model");
  m.num_layers = r.integer("layers", model_limits::kMaxLayers);
  m.hidden_size = r.integer("hidden", model_limits::kMaxHidden);
  if (const auto heads = r.optional_integer("heads", model_limits::kMaxHeads)) {
    m.num_heads = *heads;
  } else {
    // GPT-3's and Llama's head dimension.
    if (m.hidden_size % 128) {
      throw InputError(fmt::format("{}: heads not given and hidden {} is no multiple of 128",
                                   r.where("heads"), m.hidden_size));
    }
    m.num_heads = m.hidden_size / 128;
    notes.push_back(fmt::format("heads = hidden / 128 = {} (head dim 128)", m.num_heads));
  }
  if (const auto kv = r.optional_integer("kv_heads", model_limits::kMaxHeads)) {
    m.num_kv_heads = *kv;
  } else {
    m.num_kv_heads = m.num_heads;
    notes.push_back("kv_heads = heads (MHA)");
  }
  const std::string ffn_text = r.lowered("ffn");
  const std::string name = lower(m.name);
  // Gated MLPs (3 matrices): said in the ffn column, or the families that use them.
  const bool gated_named = contains(ffn_text, "glu");
  bool gated_family = false;
  for (const char* family : {"llama", "mistral", "mixtral", "qwen", "gemma", "deepseek", "olmo"}) {
    gated_family = gated_family || contains(name, family);
  }
  m.gated_mlp = gated_named || (gated_family && !contains(ffn_text, "gelu") && !contains(ffn_text, "relu"));
  if (m.gated_mlp && !gated_named) notes.push_back("gated MLP (SwiGLU, as the model family uses)");
  if (const auto ffn = r.number("ffn"); ffn && *ffn > 16) {
    m.ffn_hidden_size = r.integer("ffn", model_limits::kMaxWidth);
  } else {
    m.ffn_hidden_size = 4 * m.hidden_size;
    notes.push_back("ffn = 4h (GPT)");
  }
  m.vocab_size = r.integer("vocab", model_limits::kMaxVocab);
  // Megatron's GPT ties the output layer to the embedding by default; gated families untie it.
  m.tied_embeddings = !m.gated_mlp;
  return m;
}

/// "FSDP=0", "fsdp: 0" in lower-case, squeezed `z`.
bool fsdp_switched_off(const std::string& z) {
  static const std::regex off(R"(fsdp ?[=:] ?0(?![0-9]))");
  return std::regex_search(z, off);
}

/// ZeRO stage as the zero_or_fsdp column says it ("distributed optimizer", "FSDP2 (1D)",
/// "DeepSpeed ZERO_STAGE=0", "FSDP=0: DDP + distributed optimizer", "PyTorch FSDP
/// FULL_SHARD").
int read_zero_stage(const RowReader& r, std::vector<std::string>& notes) {
  const std::string z = for_regex(r.lowered("zero_or_fsdp"));
  // "ZeRO-3", "zero stage 2", "ZERO_STAGE=0", "ZeRO stage=3", "stage 3"; not "no ZeRO-3".
  static const std::regex stage(R"((zero[-_ ]?(stage)?|stage) ?[=:]? ?([0-3])(?![0-9]))");
  for (auto it = std::sregex_iterator(z.begin(), z.end(), stage); it != std::sregex_iterator(); ++it) {
    const auto at = static_cast<std::size_t>(it->position(0));
    if (!negated_at(z, at) && !switched_off_after(z, at + static_cast<std::size_t>(it->length(0)))) {
      return (*it)[3].str()[0] - '0';
    }
  }
  // "FSDP=0" / "FSDP: 0" turn it off, and so do "no FSDP", "DDP (not FSDP)", "FSDP not used".
  const bool sharded = !fsdp_switched_off(z) &&
                       (mentions(z, "fsdp") || mentions(z, "full_shard") || mentions(z, "hsdp") ||
                        mentions(z, "hybrid_shard") || mentions(z, "jax sharding"));
  if (!sharded) {
    if (mentions(z, "distributed optimizer")) return 1;
    if (mentions(z, "shard_grad_op")) return 2;
    if (r.unstated("zero_or_fsdp")) notes.push_back("no ZeRO (not stated)");
    return 0;
  }
  // Sharded optimizer and gradients with the parameters kept after forward is ZeRO-2
  // (FSDP SHARD_GRAD_OP, reshard_after_forward=False; Llama 3's "FSDP as DP").
  if (mentions(z, "shard_grad_op") || contains(z, "not resharded") ||
      contains(z, "reshard_after_forward=false")) {
    return 2;
  }
  return 3;
}

/// The framework, from the row's free text, and any overlap flag the row names.
OverlapChoice read_framework(const RowReader& r, int zero_stage, std::vector<std::string>& notes) {
  const std::string c = r.stack();
  OverlapChoice o;
  // Named training stacks first (a MaxText run on NVIDIA's DGXC pages is no NeMo run; NeMo
  // AutoModel is FSDP2), then the Megatron family, then what the sharding column says.
  if (contains(c, "torchtitan") || contains(c, "maxtext") || contains(c, "jax") ||
      contains(c, "foundry") || contains(c, "automodel")) {
    o.framework = Framework::kFsdp;
  } else if (contains(c, "deepspeed")) {
    o.framework = Framework::kDeepSpeed;
  } else if (contains(c, "nemo") || contains(c, "bridge") || contains(c, "dgxc")) {
    o.framework = Framework::kMegatronBridge;
  } else if (zero_stage == 3 || (mentions(c, "fsdp") && !fsdp_switched_off(for_regex(c)))) {
    o.framework = Framework::kFsdp;
  } else if (contains(c, "megatron")) {
    o.framework = Framework::kMegatronLm;
  } else if (mentions(c, "ddp")) {
    o.framework = Framework::kDdp;
  } else {
    notes.push_back("framework not named: Megatron-LM's overlap defaults");
  }
  // Flags the row quotes override the defaults.
  const std::string f = r.flags();
  auto quoted = [&](const char* dashes, const char* underscores) {
    const auto a = flag_value(f, dashes);
    return a ? a : flag_value(f, underscores);
  };
  if (const auto v = quoted("overlap-param-gather", "overlap_param_gather")) {
    o.param_gather = *v;
    if (*v) o.grad_reduce = true;  // Megatron requires it with the parameter gather
  }
  if (const auto v = quoted("overlap-grad-reduce", "overlap_grad_reduce")) o.grad_reduce = *v;
  if (const auto v = quoted("tp-comm-overlap", "tp_comm_overlap")) o.tp = *v;
  return o;
}

/// The year the run's source is from (the latest 20xx in its free text), 0 when none.
int source_year(const RowReader& r) {
  const std::string c = r.text("source") + " " + r.text("group");
  int year = 0;
  for (std::size_t i = 0; i + 4 <= c.size(); ++i) {
    const bool boundary_before = i == 0 || !std::isdigit(static_cast<unsigned char>(c[i - 1]));
    const bool boundary_after = i + 4 == c.size() || !std::isdigit(static_cast<unsigned char>(c[i + 4]));
    if (boundary_before && boundary_after && c.compare(i, 2, "20") == 0 &&
        std::isdigit(static_cast<unsigned char>(c[i + 2])) && std::isdigit(static_cast<unsigned char>(c[i + 3]))) {
      const int y = std::stoi(c.substr(i, 4));
      if (y <= 2030) year = std::max(year, y);  // "2048 A100 GPUs" is no year
    }
  }
  return year;
}

/// The pipeline split when the layers do not divide evenly: Megatron-Core's embedding and loss
/// counted as one layer each (the Llama 3 paper's "one layer fewer on the first and last
/// stage"; BLOOM's 70 layers + 2 on 12 stages). Throws ConfigError when neither divides.
void choose_split(const ModelConfig& m, TrainingConfig& t, int pp, std::vector<std::string>& notes) {
  const long long chunks = static_cast<long long>(pp) * t.virtual_pipeline_stages;
  if (pp == 1 || m.num_layers % chunks == 0) return;
  if ((m.num_layers + 2) % chunks == 0) {
    t.embedding_in_split = t.loss_in_split = true;
    notes.push_back(fmt::format("{} layers on pp {} x vpp {}: embedding and loss counted as layers "
                                "in the split", m.num_layers, pp, t.virtual_pipeline_stages));
    return;
  }
  throw ConfigError(fmt::format("{} layers do not split over pp {} x vpp {}, even counting the "
                                "embedding and loss as layers", m.num_layers, pp,
                                t.virtual_pipeline_stages));
}

/// Virtual stages: the column's number; 1 for "n/a" or "1 (1F1B)"; for "interleaved, V not
/// stated" the smallest v >= 2 the layers split into.
int read_vpp(const RowReader& r, const ModelConfig& m, int pp, std::vector<std::string>& notes) {
  if (const auto v = r.optional_integer("vpp_interleave", kMaxMeshRanks)) return static_cast<int>(*v);
  if (pp > 1 && mentions(r.lowered("vpp_interleave"), "interleav")) {
    for (int v = 2; v <= 64; ++v) {
      const long long chunks = static_cast<long long>(pp) * v;
      if (m.num_layers % chunks == 0 || (m.num_layers + 2) % chunks == 0) {
        notes.push_back(fmt::format("interleaved, vpp not stated: {} (the smallest that splits)", v));
        return v;
      }
    }
  }
  if (pp > 1 && !r.text("vpp_interleave").empty()) notes.push_back("vpp 1 (not stated)");
  return 1;
}

TrainingConfig read_training(const RowReader& r, const ModelConfig& m, const MeshSizes& layout,
                             std::vector<std::string>& notes) {
  TrainingConfig t;
  t.seq_length = r.integer("seq_len", kMaxSeqLength);
  const int dp = layout[MeshAxis::kDp], pp = layout[MeshAxis::kPp];
  // Micro-batch: a number; torchtitan's "local batch size N" is the per-rank batch, split into
  // micro-batches of 1 when pipelined (its default pipeline micro-batch); unstated: 1.
  const bool local_batch = contains(r.lowered("micro_batch"), "local batch");
  const auto mb = r.any_number("micro_batch");
  long long local = 0;
  if (mb && local_batch) {
    local = checked_integer(*mb, 1, kMaxMicroBatch, r.where("micro_batch"));
    t.micro_batch_size = pp > 1 ? 1 : local;
  } else if (mb) {
    t.micro_batch_size = checked_integer(*mb, 1, kMaxMicroBatch, r.where("micro_batch"));
  } else {
    t.micro_batch_size = 1;
    notes.push_back("micro-batch 1 (not stated; Megatron's default)");
  }
  if (r.number("global_batch_seqs")) {
    t.global_batch_size = r.integer("global_batch_seqs", kMaxGlobalBatch);
  } else if (!r.unstated("tokens_per_batch") && r.number("tokens_per_batch")) {
    const std::string tokens_text = without_thousands(r.text("tokens_per_batch"));
    std::uint64_t tokens = 0;
    try {
      tokens = parse_bytes(tokens_text.substr(0, tokens_text.find_first_of(" (")));
    } catch (const SizeParseError&) {
      throw InputError(fmt::format("{}: expected a token count (\"16M\", \"524288\"), got '{}'",
                                   r.where("tokens_per_batch"), r.text("tokens_per_batch")));
    }
    if (tokens % static_cast<std::uint64_t>(t.seq_length) != 0) {
      throw InputError(fmt::format("{}: {} tokens are not a whole number of {}-token sequences",
                                   r.where("tokens_per_batch"), r.text("tokens_per_batch"), t.seq_length));
    }
    t.global_batch_size = checked_range(static_cast<long long>(tokens / static_cast<std::uint64_t>(t.seq_length)),
                                        1, kMaxGlobalBatch, r.where("tokens_per_batch"));
    notes.push_back(fmt::format("global batch {} sequences = tokens_per_batch {} / seq_len {}",
                                t.global_batch_size, r.text("tokens_per_batch"), t.seq_length));
  } else if (local > 0) {
    t.global_batch_size = checked_range(local * dp, 1, kMaxGlobalBatch, r.where("micro_batch"));
    notes.push_back(fmt::format("global batch = local batch {} x dp {}", local, dp));
  } else {
    throw InputError(fmt::format("{}: expected a positive integer, got '{}' (and no tokens_per_batch)",
                                 r.where("global_batch_seqs"), r.text("global_batch_seqs")));
  }
  const std::string rec = r.lowered("recompute");
  // "full", "selective (attention core)", "full (not selective)", "activation checkpointing
  // True" (full: every layer's input kept, the layer recomputed), "AC 'full'"; "none", "no",
  // "False", "activation checkpointing: none", "without" for none.
  bool off = r.unstated("recompute");
  for (const char* word : {"none", "false", "off", "disabled"}) off = off || has_word(rec, word);
  off = off || rec == "no" || rec.rfind("no ", 0) == 0 || rec.rfind("no,", 0) == 0 ||
        rec.rfind("without", 0) == 0;
  const std::size_t full = mention(rec, "full"), selective = mention(rec, "selective");
  const bool checkpointing = mentions(rec, "checkpoint") || mentions(rec, "recompute");
  t.recompute = off                  ? Recompute::kNone
                : full < selective   ? Recompute::kFull
                : selective != std::string::npos ? Recompute::kSelective
                : checkpointing      ? Recompute::kFull
                                     : Recompute::kNone;
  if (r.unstated("recompute")) notes.push_back("no recomputation (not stated)");
  const std::string sp = r.lowered("seq_parallel");
  const bool sp_stated = !r.unstated("seq_parallel");
  bool sp_on = false;
  for (const char* yes : {"yes", "true", "on", "enabled"}) {
    const std::size_t n = std::char_traits<char>::length(yes);
    sp_on = sp_on || (sp.rfind(yes, 0) == 0 && (sp.size() == n || !std::isalnum(static_cast<unsigned char>(sp[n]))));
  }
  if (sp_stated || layout[MeshAxis::kTp] == 1) {
    // "yes", "enabled"; "no", "not used", "false", "off" (anything else stated) for off.
    t.sequence_parallel = sp_stated && sp_on && layout[MeshAxis::kTp] > 1;
  } else {
    // Sequence parallelism appeared in Megatron in 2022 (Korthikanti et al.): on by default in
    // Megatron-Core and NeMo recipes since, absent from a 2021 Megatron-LM run.
    const int year = source_year(r);
    t.sequence_parallel = year == 0 || year >= 2022;
    notes.push_back(t.sequence_parallel
                        ? "sequence parallel with tp > 1 (Megatron-Core era)"
                        : fmt::format("no sequence parallelism (a {} source: before Megatron had it)", year));
  }
  t.fp8 = mentions(r.lowered("precision"), "fp8") || mentions(r.lowered("precision"), "float8");
  if (r.unstated("precision")) notes.push_back("bf16 (precision not stated)");
  t.virtual_pipeline_stages = read_vpp(r, m, pp, notes);
  choose_split(m, t, pp, notes);
  return t;
}

MeshSizes read_layout(const RowReader& r, std::vector<std::string>& notes) {
  MeshSizes layout;
  for (const auto& [axis, col] : {std::pair{MeshAxis::kTp, "tp"}, std::pair{MeshAxis::kPp, "pp"}}) {
    if (r.unstated(col)) {
      layout[axis] = 1;
      notes.push_back(fmt::format("{} 1 (not stated)", col));
    } else {
      layout[axis] = r.mesh_size(col);
    }
  }
  layout[MeshAxis::kCp] = r.optional_integer("cp", kMaxMeshRanks).value_or(1);
  const long long gpus = r.integer("gpus_total", kMaxMeshRanks);
  const long long model_parallel = static_cast<long long>(layout[MeshAxis::kTp]) *
                                   layout[MeshAxis::kPp] * layout[MeshAxis::kCp];
  if (gpus % model_parallel) {
    throw ConfigError(fmt::format("tp x pp x cp = {} does not divide gpus_total = {}", model_parallel, gpus));
  }
  // DP is what the GPUs leave: "FSDP=128 (x DP 16)" and "FSDP 32 x CP 2 (=64)" say it in words.
  layout[MeshAxis::kDp] = static_cast<int>(gpus / model_parallel);
  const auto dp = r.number("dp");
  if (!dp || *dp != layout[MeshAxis::kDp]) {
    notes.push_back(fmt::format("dp = gpus_total / (tp x pp x cp) = {} (dp column '{}')",
                                layout[MeshAxis::kDp], r.text("dp")));
  }
  return layout;
}

GpuSpec read_gpu(const RowReader& r, PlanOptions& o, std::vector<std::string>& notes) {
  GpuSpec gpu = gpu_spec(r.text("gpu"));
  if (const auto peak = r.number("peak_tflops_per_gpu")) {
    if (!(std::isfinite(*peak) && *peak > 0 && *peak <= 1e6)) {
      throw InputError(fmt::format("{}: expected a positive peak in TFLOP/s, got '{}'",
                                   r.where("peak_tflops_per_gpu"), r.text("peak_tflops_per_gpu")));
    }
    o.mfu_peak_tflops = *peak;
  } else {
    o.mfu_peak_tflops = gpu.peak_bf16_tflops;
    notes.push_back(fmt::format("MFU against {}'s dense bf16 peak {} TFLOP/s", gpu.name, gpu.peak_bf16_tflops));
  }
  return gpu;
}

PublishedRun read_run(const RowReader& r, std::vector<std::string>& notes) {
  PublishedRun run;
  run.model = read_model(r, notes);
  run.layout = read_layout(r, notes);
  run.train = read_training(r, run.model, run.layout, notes);
  run.train.zero_stage = read_zero_stage(r, notes);
  run.options.overlap = read_framework(r, run.train.zero_stage, notes);
  run.train.dp_bucket_bytes = framework_bucket_bytes(
      run.options.overlap.framework, run.options.overlap.resolve(run.train, run.layout),
      run.layout[MeshAxis::kDp] * run.layout[MeshAxis::kCp], run.train.grad_reduce_bytes);
  run.gpu = read_gpu(r, run.options, notes);
  if (run.train.fp8 && run.gpu.peak_fp8_tflops <= 0) {
    throw ConfigError(fmt::format("{}: fp8 on {}, which has no fp8 tensor cores", r.where("precision"), run.gpu.name));
  }
  run.gpus_per_node = static_cast<int>(r.optional_integer("gpus_per_node", kMaxMeshRanks).value_or(8));
  if (r.unstated("gpus_per_node")) notes.push_back("8 GPUs per node (not stated)");
  // The planner's node is what the scale-up link joins: an NVL72 rack, not its 4-GPU trays.
  if (run.gpu.scaleup_domain > run.gpus_per_node && run.gpu.scaleup_domain <= kMaxMeshRanks) {
    notes.push_back(fmt::format("{} GPUs per scale-up domain ({}), not {} per node", run.gpu.scaleup_domain,
                                run.gpu.label, run.gpus_per_node));
    run.gpus_per_node = run.gpu.scaleup_domain;
  }
  return run;
}

}  // namespace

/// The columns validate_runs reads: a file without one of them is refused whole (a value a
/// row cannot be priced with only skips that row).
constexpr const char* kColumns[] = {
    "row_id", "model", "layers", "hidden", "heads", "kv_heads", "ffn", "vocab", "seq_len",
    "global_batch_seqs", "micro_batch", "recompute", "tp", "pp", "dp", "cp", "seq_parallel",
    "vpp_interleave", "zero_or_fsdp", "gpu", "peak_tflops_per_gpu", "gpus_per_node",
    "gpus_total", "reported_mfu_pct", "derived_mfu_pct"};

namespace {

bool same_mesh(const MeshSizes& a, const MeshSizes& b) {
  for (MeshAxis x : {MeshAxis::kTp, MeshAxis::kCp, MeshAxis::kEp, MeshAxis::kPp, MeshAxis::kDp}) {
    if (a[x] != b[x]) return false;
  }
  return true;
}

/// Where the team's layout ranks among search's for the run's model, GPUs, batch and options.
SearchComparison compare_with_search(const PublishedRun& run, const StepEstimate& team,
                                     const CommCost& cost) {
  TrainingConfig base = run.train;
  base.embedding_in_split = base.loss_in_split = false;
  base.first_stage_layers = base.last_stage_layers = 0;
  const SearchResult r = search_layouts(run.model, base, run.layout.product(), run.gpu,
                                        run.gpus_per_node, cost, run.options);
  SearchComparison s;
  s.ranked = static_cast<long long>(r.ranked.size());
  if (r.ranked.empty()) {
    s.why_unranked = "search finds no layout that fits";
    return s;
  }
  s.top_label = r.ranked.front().label();
  s.top_mfu = r.ranked.front().estimate.mfu;
  s.gap = s.top_mfu - team.mfu;
  s.top_is_team = same_mesh(r.ranked.front().inputs.layout, run.layout);
  for (std::size_t i = 0; i < r.ranked.size(); ++i) {
    if (same_mesh(r.ranked[i].inputs.layout, run.layout)) {
      s.rank = static_cast<int>(i) + 1;
      return s;
    }
  }
  s.why_unranked = "the team's mesh is not among the layouts search keeps (it does not fit in the "
                   "planner's memory model, or search does not enumerate it)";
  return s;
}

}  // namespace

Validation validate_runs(const std::filesystem::path& file,
                         const std::map<std::string, double>& efficiency, double elementwise_passes,
                         bool with_search) {
  const CsvTable table = CsvTable::read(file);
  for (const char* col : kColumns) table.column(col);  // throws InputError naming the column
  Validation v;
  for (const CsvRow& row : table.rows()) {
    const RowReader r{table, row};
    const std::string id = r.text("row_id");
    RunCheck c;
    c.row_id = id;
    c.model = r.text("model");
    try {
      const char* from = "reported_mfu_pct";
      std::optional<double> mfu = r.figure(from, c.assumptions);
      if (!mfu) {
        from = "derived_mfu_pct";
        mfu = r.figure(from, c.assumptions);
      }
      PublishedRun run = read_run(r, c.assumptions);
      if (!mfu) {
        // Only TFLOP/s per GPU published (NeMo and Megatron-Bridge tables): against the peak.
        from = "reported_tflops_per_gpu";
        const auto tflops = r.figure(from, c.assumptions);
        if (!tflops) {
          throw InputError("neither reported_mfu_pct, derived_mfu_pct nor reported_tflops_per_gpu");
        }
        mfu = 100 * *tflops / run.options.mfu_peak_tflops;
        c.assumptions.push_back(fmt::format("MFU = reported {} TFLOP/s per GPU / {} TFLOP/s", *tflops,
                                            run.options.mfu_peak_tflops));
      }
      c.reported_mfu = *mfu / 100;
      c.reported_from = from == std::string("reported_mfu_pct") ? "reported_mfu_pct"
                        : from == std::string("derived_mfu_pct")
                            ? "derived_mfu_pct (the paper gives iteration time, not MFU)"
                            : "reported_tflops_per_gpu over the peak";
      // Against the bf16 peak an fp8 run may show up to twice the bf16 MFU; nothing above.
      const double most = run.train.fp8 ? 2.0 : 1.0;
      if (!(c.reported_mfu > 0 && c.reported_mfu <= most)) {
        throw InputError(fmt::format("{}: a reported MFU of {}% is no fraction of a {} peak",
                                     r.where(from), 100 * c.reported_mfu, run.train.fp8 ? "fp8 run's" : "bf16"));
      }
      c.gpu_generation = run.gpu.efficiency_from;
      if (const auto it = efficiency.find(run.gpu.efficiency_from); it != efficiency.end()) {
        run.options.matmul_efficiency = it->second;
      }
      run.options.elementwise_passes = elementwise_passes;
      c.framework = run.options.overlap.describe(run.train, run.layout);
      const TrafficInputs in = make_traffic_inputs(run.model, run.train, run.layout);
      if (run.gpu.scaleout_gb_per_s <= 0) {
        c.assumptions.push_back(fmt::format("{}: a 400 Gb/s NIC per GPU (no NIC figure in the table)", run.gpu.label));
      }
      const auto cost = spec_sheet_cost(cluster_for(run.gpu));
      c.estimate = estimate_step(in, run.gpu, run.gpus_per_node, *cost, run.options);
      c.predicted_mfu = c.estimate.mfu;
      c.ceiling_mfu = c.estimate.mfu_ceiling;
      c.rel_err = (c.predicted_mfu - c.reported_mfu) / c.reported_mfu;
      if (with_search) c.search = compare_with_search(run, c.estimate, *cost);
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
    if (c.search) {
      ++v.searched;
      if (c.search->top_is_team) ++v.top_is_team;
    }
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
                    {"calibrated_generation", c.gpu_generation},
                    {"elementwise_passes", c.estimate.elementwise_passes},
                    {"step_s", c.estimate.step_s}, {"ceiling_step_s", c.estimate.ceiling_step_s},
                    {"precision", c.estimate.fp8 ? "fp8" : "bf16"},
                    {"mfu_peak_tflops_per_gpu", c.estimate.mfu_peak_tflops},
                    {"overlap", c.framework},
                    {"time_s", {{"compute", c.estimate.compute_s}, {"tp", c.estimate.tp_s},
                                {"pp", c.estimate.pp_s}, {"bubble", c.estimate.bubble_s},
                                {"dp", c.estimate.dp_s}, {"zero", c.estimate.zero_s},
                                {"cp", c.estimate.cp_s}, {"ep", c.estimate.ep_s},
                                {"emb", c.estimate.emb_s}}},
                    {"assumptions", c.assumptions}});
    if (c.search) {
      const SearchComparison& x = *c.search;
      rows.back()["search"] = {{"ranked", x.ranked}, {"rank", x.rank}, {"why_unranked", x.why_unranked},
                               {"top_label", x.top_label}, {"top_mfu", x.top_mfu}, {"gap", x.gap},
                               {"top_is_team", x.top_is_team}};
    }
  }
  nlohmann::json skipped = nlohmann::json::array();
  for (const auto& [id, why] : v.skipped) skipped.push_back({{"row_id", id}, {"reason", why}});
  return {{"rows", rows},
          {"summary", {{"median_abs_rel_err", v.median_abs_rel_err},
                       {"max_abs_rel_err", v.max_abs_rel_err},
                       {"ceiling_violations", v.ceiling_violations},
                       {"rows_used", v.rows.size()},
                       {"rows_searched", v.searched},
                       {"top_choice_is_team_layout", v.top_is_team},
                       {"rows_skipped", skipped}}}};
}

Calibration calibrate(const std::filesystem::path& file) {
  constexpr int kLo = 30, kHi = 100, kPassesMax = 30;
  // errs[k][e][gen]: |rel err| of the generation's rows (file order) at passes k, efficiency e.
  using ByGeneration = std::map<std::string, std::vector<double>>;
  std::vector<std::vector<ByGeneration>> errs(kPassesMax + 1);
  for (int k = 0; k <= kPassesMax; ++k) {
    for (int i = kLo; i <= kHi; ++i) {
      const double e = i / 100.0;
      const Validation v = validate_runs(file, {{"ampere", e}, {"hopper", e}}, k);
      ByGeneration here;
      for (const RunCheck& c : v.rows) here[c.gpu_generation].push_back(std::abs(c.rel_err));
      errs[static_cast<std::size_t>(k)].push_back(std::move(here));
    }
  }
  const ByGeneration& shape = errs[0][0];
  // The fit without row `skip` of generation `skip_gen` ("" : none): passes index and, per
  // generation, the efficiency index; each generation's efficiency minimises its own median
  // for a given passes, the passes minimise the median over all kept rows.
  struct Fit { std::size_t k = 0; std::map<std::string, std::size_t> e; };
  auto kept = [&](const std::vector<double>& list, const std::string& gen,
                  const std::string& skip_gen, std::size_t skip) {
    std::vector<double> out;
    for (std::size_t r = 0; r < list.size(); ++r) {
      if (!(gen == skip_gen && r == skip)) out.push_back(list[r]);
    }
    return out;
  };
  auto fit_without = [&](const std::string& skip_gen, std::size_t skip) {
    Fit best;
    double best_err = std::numeric_limits<double>::infinity();
    for (std::size_t k = 0; k < errs.size(); ++k) {
      Fit f;
      f.k = k;
      std::vector<double> all;
      for (const auto& [gen, rows] : shape) {
        double gen_best = std::numeric_limits<double>::infinity();
        for (std::size_t e = 0; e < errs[k].size(); ++e) {
          const std::vector<double> list = kept(errs[k][e].at(gen), gen, skip_gen, skip);
          if (list.empty()) continue;
          const double m = fit::median(list);
          if (m < gen_best) {
            gen_best = m;
            f.e[gen] = e;
          }
        }
        const std::vector<double> chosen = kept(errs[k][f.e[gen]].at(gen), gen, skip_gen, skip);
        all.insert(all.end(), chosen.begin(), chosen.end());
      }
      const double m = all.empty() ? 0 : fit::median(all);
      if (m < best_err) {
        best_err = m;
        best = f;
      }
    }
    return best;
  };
  Calibration out;
  const Fit full = fit_without("", 0);
  out.elementwise_passes = static_cast<double>(full.k);
  std::vector<double> in_sample, loo_all;
  for (const auto& [gen, rows] : shape) {
    GenerationFit g;
    g.efficiency = (kLo + static_cast<int>(full.e.at(gen))) / 100.0;
    const std::vector<double>& fitted = errs[full.k][full.e.at(gen)].at(gen);
    g.rows = static_cast<int>(fitted.size());
    g.in_sample_median = fit::median(fitted);
    in_sample.insert(in_sample.end(), fitted.begin(), fitted.end());
    for (std::size_t r = 0; g.rows > 1 && r < fitted.size(); ++r) {
      const Fit f = fit_without(gen, r);
      g.loo_errors.push_back(errs[f.k][f.e.at(gen)].at(gen)[r]);
    }
    g.loo_median = g.loo_errors.empty() ? std::nan("") : fit::median(g.loo_errors);
    g.loo_max = g.loo_errors.empty() ? std::nan("")
                                     : *std::max_element(g.loo_errors.begin(), g.loo_errors.end());
    loo_all.insert(loo_all.end(), g.loo_errors.begin(), g.loo_errors.end());
    out.generations[gen] = std::move(g);
  }
  out.in_sample_median = in_sample.empty() ? 0 : fit::median(in_sample);
  out.loo_median = loo_all.empty() ? std::nan("") : fit::median(loo_all);
  out.loo_max = loo_all.empty() ? std::nan("") : *std::max_element(loo_all.begin(), loo_all.end());
  return out;
}

}  // namespace meshbench::plan
