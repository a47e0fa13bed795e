#include "fit/plan/model_math.hpp"

#include <algorithm>

namespace meshbench::plan {
ForwardFlopsPerToken forward_flops_per_token(const ModelConfig& m, double seq_length, bool causal) {
  ForwardFlopsPerToken f;
  const long long moe_layer = m.first_layer_of_kind(true), dense_layer = m.first_layer_of_kind(false);
  const auto moe = static_cast<double>(m.num_moe_layers());
  const double dense = static_cast<double>(m.num_layers) - moe;
  if (moe > 0) f.matmul += moe * 2 * m.layer_active_matmul_params(moe_layer);
  if (dense > 0) f.matmul += dense * 2 * m.layer_active_matmul_params(dense_layer);
  const double v_width = m.mla ? static_cast<double>(m.num_heads * m.mla->v_head_dim)
                               : static_cast<double>(m.q_dim());
  f.attention = static_cast<double>(m.num_layers) * 2 * seq_length *
                (static_cast<double>(m.q_dim()) + v_width) * (causal ? 0.5 : 1.0);
  f.logits = 2 * static_cast<double>(m.vocab_size) * static_cast<double>(m.hidden_size);
  return f;
}

double model_flops(const ModelConfig& m, double global_batch, double seq_length) {
  return 3 * global_batch * seq_length * forward_flops_per_token(m, seq_length).total();
}

double hardware_flops(const ModelConfig& m, double global_batch, double seq_length, Recompute r) {
  const double tokens = global_batch * seq_length;
  const ForwardFlopsPerToken f = forward_flops_per_token(m, seq_length);
  double extra = 0;
  if (r == Recompute::kFull) extra = tokens * (f.matmul + f.attention);
  if (r == Recompute::kSelective) extra = tokens * f.attention;
  return model_flops(m, global_batch, seq_length) + extra;
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

MemoryBreakdown memory_per_gpu(const TrafficInputs& in) {
  const ModelConfig& m = in.model;
  const int tp = in.layout[MeshAxis::kTp], pp = in.layout[MeshAxis::kPp];
  const double shard = in.layout[MeshAxis::kDp] * in.layout[MeshAxis::kCp];
  const double layers = static_cast<double>(in.shape.layers_per_stage);
  // The first stage also holds the input embedding (vocab-parallel over tp).
  const GpuParams stage = stage_params_per_gpu(in, stage_layers(m, pp, 0));
  const double params = stage.dense + stage.expert +
                        static_cast<double>(m.vocab_size) * static_cast<double>(m.hidden_size) / tp;
  const int zero = in.train.zero_stage;
  MemoryBreakdown mem;
  mem.weights = params * in.train.dtype_bytes / (zero >= 3 ? shard : 1);
  mem.gradients = params * in.train.grad_reduce_bytes / (zero >= 2 ? shard : 1);
  mem.optimizer = params * 12 / (zero >= 1 ? shard : 1);
  const double in_flight = static_cast<double>(std::min<long long>(pp, in.shape.micro_batches));
  const double v = in.train.virtual_pipeline_stages;
  const double interleave = v > 1 ? 1 + (pp - 1) / (pp * v) : 1;
  mem.activations = layers * layer_activation_bytes(in) * in_flight * interleave;
  return mem;
}

}  // namespace meshbench::plan
