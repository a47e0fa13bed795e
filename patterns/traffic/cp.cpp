#include "patterns/traffic/common.hpp"

namespace meshbench {

std::vector<TrafficRow> cp_traffic(const TrafficInputs& in) {
  using namespace traffic_detail;
  std::vector<TrafficRow> rows;
  const int cp = in.layout[MeshAxis::kCp];
  if (cp == 1) return rows;
  const TrainingConfig& t = in.train;
  // The K and V blocks of one ring round: this rank's sequence chunk, this TP rank's heads
  // (GQA: kv_heads x head_dim each; MLA: K and V expanded per head, heads x qk_head_dim and
  // heads x v_head_dim, as Megatron-Core passes them to TE's context-parallel attention).
  const double kv = d(t.micro_batch_size) * d(in.shape.seq_per_rank) *
                    d(in.model.k_dim() + in.model.v_dim()) / in.layout[MeshAxis::kTp] *
                    t.dtype_bytes;
  const long long rounds = static_cast<long long>(cp - 1) * in.shape.layers_per_stage *
                           in.shape.micro_batches;
  const std::vector<MeshAxis> g = {MeshAxis::kCp};
  rows.push_back(row(in, "cp", "fwd", CollectiveOp::kSendRecv, kv, rounds, g,
                     "K and V blocks, one ring round"));
  if (t.recompute == Recompute::kFull) {
    rows.push_back(row(in, "cp", "bwd", CollectiveOp::kSendRecv, kv, rounds, g,
                       "K and V blocks again (recomputed forward)"));
  }
  rows.push_back(row(in, "cp", "bwd", CollectiveOp::kSendRecv, 2 * kv, rounds, g,
                     "K, V, dK and dV blocks, one ring round"));
  return rows;
}

}  // namespace meshbench
