#include "patterns/training.hpp"

#include <fmt/format.h>

namespace meshbench {

std::string recompute_name(Recompute r) {
  switch (r) {
    case Recompute::kNone: return "none";
    case Recompute::kSelective: return "selective";
    case Recompute::kFull: return "full";
  }
  return "?";
}

Recompute parse_recompute(const std::string& text) {
  for (Recompute r : {Recompute::kNone, Recompute::kSelective, Recompute::kFull}) {
    if (recompute_name(r) == text) return r;
  }
  throw ConfigError(fmt::format("--recompute: unknown mode '{}' (none, selective, full)", text));
}

StepShape validate_step(const ModelConfig& m, const TrainingConfig& t, const MeshSizes& l) {
  const int tp = l[MeshAxis::kTp], pp = l[MeshAxis::kPp], dp = l[MeshAxis::kDp],
            cp = l[MeshAxis::kCp], ep = l[MeshAxis::kEp], v = t.virtual_pipeline_stages;
  if (auto why = tensor_parallel_violation(m, tp, fmt::format("--layout tp={}", tp))) {
    throw ConfigError(*why);
  }
  if (v < 1) throw ConfigError(fmt::format("--virtual-pipeline-stages must be >= 1, got {}", v));
  if (v > 1 && pp < 2) {
    throw ConfigError(fmt::format("--virtual-pipeline-stages {} needs pp > 1", v));
  }
  const PipelineSplit split = pipeline_split(m, t, pp);
  // Bounds that keep every token, call and byte count of the traffic formulas (products of
  // these with config integers, themselves bounded by the reader) inside 64 bits.
  if (t.seq_length < 1 || t.seq_length > kMaxSeqLength) {
    throw ConfigError(fmt::format("--seq-length must be in [1, {}], got {}", kMaxSeqLength,
                                  t.seq_length));
  }
  if (cp > 1 && t.seq_length % (2LL * cp) != 0) {
    throw ConfigError(fmt::format("--layout cp={}: --seq-length {} is not divisible by 2 x cp = {} "
                                  "(load-balanced ring attention)", cp, t.seq_length, 2 * cp));
  }
  if (t.micro_batch_size < 1 || t.micro_batch_size > kMaxMicroBatch) {
    throw ConfigError(fmt::format("--micro-batch-size must be in [1, {}], got {}", kMaxMicroBatch,
                                  t.micro_batch_size));
  }
  if (t.global_batch_size < 0 || t.global_batch_size > kMaxGlobalBatch) {
    throw ConfigError(fmt::format("--global-batch-size must be in [1, {}], got {}", kMaxGlobalBatch,
                                  t.global_batch_size));
  }
  const long long per_step = static_cast<long long>(t.micro_batch_size) * dp;
  const long long global = t.global_batch_size == 0 ? per_step : t.global_batch_size;
  if (global < 1 || global % per_step != 0) {
    throw ConfigError(fmt::format("--global-batch-size {} is not a multiple of micro-batch-size "
                                  "{} x dp {}", global, t.micro_batch_size, dp));
  }
  StepShape shape;
  shape.micro_batches = global / per_step;
  if (v > 1 && shape.micro_batches % pp != 0) {
    throw ConfigError(fmt::format("interleaved schedule: {} micro-batches is not a multiple of "
                                  "pp {} (Megatron's requirement)", shape.micro_batches, pp));
  }
  if (ep > 1 && m.num_moe_layers() == 0) {
    throw ConfigError(fmt::format("--layout ep={}: {} has no experts (no MoE layer)", ep, m.name));
  }
  if (m.is_moe() && m.num_experts % ep != 0) {
    throw ConfigError(fmt::format("--layout ep={}: num_experts {} of {} is not divisible by ep",
                                  ep, m.num_experts, m.name));
  }
  if (t.zero_stage < 0 || t.zero_stage > 3) {
    throw ConfigError(fmt::format("--zero-stage must be 0, 1, 2 or 3, got {}", t.zero_stage));
  }
  if (!(t.dp_bucket_bytes > 0)) {
    throw ConfigError(fmt::format("--dp-bucket-size must be > 0, got {}", t.dp_bucket_bytes));
  }
  if (t.dtype_bytes < 1 || t.grad_reduce_bytes < 1) {
    throw ConfigError("dtype and gradient-reduce sizes must be >= 1 byte");
  }
  shape.seq_per_rank = t.seq_length / cp;
  shape.split = split;
  shape.stage_layers = stage_layers(m, split, 0);
  const bool scan = m.is_moe() || !split.even();  // else stage 0 is as full as any
  for (int s = 1; s < pp && scan; ++s) {
    const StageLayers here = stage_layers(m, split, s);
    if (here.moe > shape.stage_layers.moe ||
        (here.moe == shape.stage_layers.moe && here.total() > shape.stage_layers.total())) {
      shape.stage = s;
      shape.stage_layers = here;
    }
  }
  shape.layers_per_stage = shape.stage_layers.total();
  return shape;
}

long long PipelineSplit::stage_total(int stage) const {
  long long n = 0;
  for (std::size_t c = static_cast<std::size_t>(stage); c < chunk_layers.size(); c += static_cast<std::size_t>(pp)) {
    n += chunk_layers[c];
  }
  return n;
}

bool PipelineSplit::even() const {
  for (int s = 1; s < pp; ++s) {
    if (stage_total(s) != stage_total(0)) return false;
  }
  return true;
}

namespace {

/// Chunk begin offsets in model order from the chunk sizes.
void fill_offsets(PipelineSplit& split) {
  split.chunk_begin.assign(split.chunk_layers.size(), 0);
  for (std::size_t c = 1; c < split.chunk_layers.size(); ++c) {
    split.chunk_begin[c] = split.chunk_begin[c - 1] + split.chunk_layers[c - 1];
  }
}

}  // namespace

PipelineSplit pipeline_split(const ModelConfig& m, const TrainingConfig& t, int pp) {
  const int v = t.virtual_pipeline_stages;
  PipelineSplit split;
  split.pp = pp;
  split.vpp = v;
  const long long chunks = static_cast<long long>(pp) * v;
  const long long first = t.first_stage_layers, last = t.last_stage_layers;
  if (first < 0 || last < 0 || first > m.num_layers || last > m.num_layers) {
    throw ConfigError(fmt::format("--decoder-first/last-pipeline-num-layers must be in [0, {}] "
                                  "(the layers of {}), got {} and {}", m.num_layers, m.name,
                                  first, last));
  }
  if ((first > 0 || last > 0) && (t.embedding_in_split || t.loss_in_split)) {
    throw ConfigError("--decoder-first/last-pipeline-num-layers and --account-for-embedding/"
                      "loss-in-pipeline-split cannot be combined (Megatron-Core refuses it)");
  }
  if (t.uneven_pipeline() && pp < 2) {
    throw ConfigError(fmt::format("an uneven pipeline split needs pp > 1, got --layout pp={}", pp));
  }
  // Every chunk holds a layer, or the embedding or loss: more chunks than that never divide
  // (checked before allocating one entry per chunk: pp x vpp comes from flags).
  if (chunks > m.num_layers + 2) {
    throw ConfigError(fmt::format("--layout pp={} x vpp={}: {} model chunks for the {} layers of {}",
                                  pp, v, chunks, m.num_layers, m.name));
  }
  split.chunk_layers.assign(static_cast<std::size_t>(chunks), 0);
  if (first > 0 || last > 0) {
    const int given = (first > 0 ? 1 : 0) + (last > 0 ? 1 : 0);
    const long long rest = m.num_layers - first - last;
    const int others = pp - given;
    if (rest < 0 || (others == 0 && rest != 0) || (others > 0 && (rest % others != 0 || rest == 0))) {
      throw ConfigError(fmt::format(
          "--decoder-first-pipeline-num-layers {} and --decoder-last-pipeline-num-layers {}: the "
          "other {} layers of {} do not split evenly over the other {} of pp={} stages", first,
          last, rest, m.name, others, pp));
    }
    for (int s = 0; s < pp; ++s) {
      const long long n = s == 0 && first > 0 ? first : s == pp - 1 && last > 0 ? last : rest / others;
      if (n % v != 0) {
        throw ConfigError(fmt::format("--virtual-pipeline-stages {}: stage {} holds {} layers, "
                                      "not divisible into {} chunks", v, s, n, v));
      }
      for (int c = 0; c < v; ++c) split.chunk_layers[static_cast<std::size_t>(c * pp + s)] = n / v;
    }
  } else {
    const long long counted = m.num_layers + (t.embedding_in_split ? 1 : 0) + (t.loss_in_split ? 1 : 0);
    if (counted % chunks != 0) {
      throw ConfigError(fmt::format(
          "--layout pp={} x vpp={}: num_layers {} of {}{} is not divisible by {}", pp, v,
          m.num_layers, m.name,
          counted != m.num_layers ? fmt::format(" (+{} for the embedding/loss counted in the split)",
                                                counted - m.num_layers)
                                  : "",
          chunks));
    }
    split.chunk_layers.assign(static_cast<std::size_t>(chunks), counted / chunks);
    if (t.embedding_in_split) split.chunk_layers.front() -= 1;
    if (t.loss_in_split) split.chunk_layers.back() -= 1;
  }
  fill_offsets(split);
  return split;
}

StageLayers stage_layers(const ModelConfig& m, const PipelineSplit& split, int stage) {
  StageLayers out;
  if (m.moe_layers.empty()) {
    (m.is_moe() ? out.moe : out.dense) = split.stage_total(stage);
    return out;
  }
  for (std::size_t c = static_cast<std::size_t>(stage); c < split.chunk_layers.size(); c += static_cast<std::size_t>(split.pp)) {
    for (long long i = split.chunk_begin[c]; i < split.chunk_begin[c] + split.chunk_layers[c]; ++i) {
      (m.is_moe_layer(i) ? out.moe : out.dense)++;
    }
  }
  return out;
}

}  // namespace meshbench
