#include "fit/plan/model_math.hpp"

#include <algorithm>

namespace meshbench::plan {
double active_matmul_params(const ModelConfig& m) {
  const double h = static_cast<double>(m.hidden_size);
  const double attention = h * (h + 2.0 * static_cast<double>(m.kv_dim())) + h * h;
  const double mlp_one = (m.swiglu ? 3.0 : 2.0) * h * static_cast<double>(m.ffn_hidden_size);
  const double experts = m.is_moe() ? static_cast<double>(m.experts_per_token) : 1.0;
  return attention + experts * mlp_one;
}

double model_flops(const ModelConfig& m, double global_batch, double seq_length) {
  const double h = static_cast<double>(m.hidden_size), L = static_cast<double>(m.num_layers);
  const double per_token = L * (2 * active_matmul_params(m) + 4 * seq_length * h) +
                           2 * static_cast<double>(m.vocab_size) * h;
  return 3 * global_batch * seq_length * per_token;
}

double hardware_flops(const ModelConfig& m, double global_batch, double seq_length, Recompute r) {
  const double tokens = global_batch * seq_length;
  const double h = static_cast<double>(m.hidden_size), L = static_cast<double>(m.num_layers);
  double extra = 0;
  if (r == Recompute::kFull) extra = tokens * L * (2 * active_matmul_params(m) + 4 * seq_length * h);
  if (r == Recompute::kSelective) extra = tokens * L * 4 * seq_length * h;
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
  const int tp = in.layout[MeshAxis::kTp], pp = in.layout[MeshAxis::kPp],
            ep = in.layout[MeshAxis::kEp];
  const double shard = in.layout[MeshAxis::kDp] * in.layout[MeshAxis::kCp];
  const double layers = static_cast<double>(in.shape.layers_per_stage);
  // The first stage also holds the input embedding (vocab-parallel over tp).
  const double params = layers * ((m.layer_params() - m.layer_expert_params()) / tp +
                                  m.layer_expert_params() / (tp * ep)) +
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
