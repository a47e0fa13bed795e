#include "fit/plan/model_math.hpp"

#include <algorithm>

namespace meshbench::plan {
ForwardFlopsPerToken forward_flops_per_token(const ModelConfig& m, double seq_length, bool causal) {
  ForwardFlopsPerToken f;
  f.matmul = 2 * m.sum_over_layers([&](long long i) { return m.layer_active_matmul_params(i); });
  f.attention = static_cast<double>(m.num_layers) * layer_attention_flops_per_token(m, seq_length) *
                (causal ? 0.5 : 1.0);
  f.logits = 2 * static_cast<double>(m.vocab_size) * static_cast<double>(m.hidden_size);
  return f;
}

double layer_attention_flops_per_token(const ModelConfig& m, double seq_length) {
  const double v_width = m.mla ? static_cast<double>(m.num_heads * m.mla->v_head_dim)
                               : static_cast<double>(m.q_dim());
  return 2 * seq_length * (static_cast<double>(m.q_dim()) + v_width);
}

double model_flops(const ModelConfig& m, double global_batch, double seq_length) {
  return 3 * global_batch * seq_length * forward_flops_per_token(m, seq_length).total();
}

HardwareFlops hardware_flops_by_kind(const ModelConfig& m, double global_batch, double seq_length,
                                     Recompute r) {
  const double tokens = global_batch * seq_length;
  const ForwardFlopsPerToken f = forward_flops_per_token(m, seq_length);
  const double linear_passes = r == Recompute::kFull ? 4 : 3;
  const double attention_passes = r == Recompute::kNone ? 3 : 4;
  return {tokens * f.matmul * linear_passes, tokens * (f.attention * attention_passes + 3 * f.logits)};
}

double hardware_flops(const ModelConfig& m, double global_batch, double seq_length, Recompute r) {
  return hardware_flops_by_kind(m, global_batch, seq_length, r).total();
}

double layer_elementwise_bytes(const TrafficInputs& in) {
  const double s = static_cast<double>(in.shape.seq_per_rank);
  const double b = static_cast<double>(in.train.micro_batch_size);
  const double h = static_cast<double>(in.model.hidden_size);
  const double t = in.layout[MeshAxis::kTp];
  return s * b * h * (in.train.sequence_parallel ? 34 / t : 10 + 24 / t);
}

double layer_activation_bytes(const TrafficInputs& in) {
  const double s = static_cast<double>(in.shape.seq_per_rank);
  const double b = static_cast<double>(in.train.micro_batch_size);
  const double h = static_cast<double>(in.model.hidden_size);
  const double a = static_cast<double>(in.model.num_heads);
  const double t = in.layout[MeshAxis::kTp];
  const bool sp = in.train.sequence_parallel;
  switch (in.train.recompute) {
    case Recompute::kFull: return 2 * s * b * h / (sp ? t : 1);
    case Recompute::kSelective: return s * b * h * (sp ? 34 / t : 10 + 24 / t);
    case Recompute::kNone: break;
  }
  const double scores = 5 * a * s / (h * t);
  return s * b * h * ((sp ? 34 / t : 10 + 24 / t) + scores);
}

MemoryBreakdown stage_memory_per_gpu(const TrafficInputs& in, int stage) {
  const ModelConfig& m = in.model;
  const int tp = in.layout[MeshAxis::kTp], pp = in.layout[MeshAxis::kPp];
  const int v = in.train.virtual_pipeline_stages;
  const StageLayers layers = stage_layers(m, in.shape.split, stage);
  const GpuParams held = stage_params_per_gpu(in, layers);
  const double table = static_cast<double>(m.vocab_size) * static_cast<double>(m.hidden_size) / tp;
  double dense = held.dense;
  if (stage == 0) dense += table;                                                 // input embedding
  if (stage == pp - 1 && (pp > 1 || !m.tied_embeddings)) dense += table;          // output layer
  // ZeRO shards each weight over the ranks that replicate it: dense over dp x cp x ep (Megatron's
  // data-parallel group), routed experts over dp x cp (its expert-data-parallel group).
  const double dense_shard = group_size(in, dense_replica_axes());
  const double expert_shard = group_size(in, expert_replica_axes());
  const int zero = in.train.zero_stage;
  auto sharded = [&](double bytes_per_param, int from_stage) {
    const bool shard = zero >= from_stage;
    return bytes_per_param * (dense / (shard ? dense_shard : 1) + held.expert / (shard ? expert_shard : 1));
  };
  MemoryBreakdown mem;
  mem.stage = stage;
  mem.weights = sharded(in.train.dtype_bytes, 3);
  mem.gradients = sharded(in.train.grad_reduce_bytes, 2);
  mem.optimizer = sharded(12, 1);
  // 1F1B: stage s holds pp - s micro-batches in flight; interleaving adds (pp-1)/(pp v) of them
  // (Korthikanti et al. 2022 section 4.2.3, stated for the first stage; an upper bound later).
  const double in_flight = static_cast<double>(std::min<long long>(pp - stage, in.shape.micro_batches));
  const double interleave = v > 1 ? 1 + static_cast<double>(pp - 1) / (pp * v) : 1;
  mem.activations = static_cast<double>(layers.total()) * layer_activation_bytes(in) * in_flight * interleave;
  return mem;
}

MemoryBreakdown memory_per_gpu(const TrafficInputs& in) {
  MemoryBreakdown fullest = stage_memory_per_gpu(in, 0);
  // An evenly split uniform model's first stage is the fullest (the last is checked for an
  // untied output layer); only layer kinds or an uneven split can make another one fuller.
  const int pp = in.layout[MeshAxis::kPp];
  const bool every_stage = in.model.is_moe() || !in.shape.split.even();
  for (int s = 1; s < pp; ++s) {
    if (!every_stage && s < pp - 1) continue;
    const MemoryBreakdown here = stage_memory_per_gpu(in, s);
    if (here.total() > fullest.total()) fullest = here;
  }
  return fullest;
}

}  // namespace meshbench::plan
