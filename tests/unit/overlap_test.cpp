#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <unistd.h>

#include "fit/plan/estimate.hpp"
#include "fit/plan/overlap.hpp"
#include "fit/plan/published_runs.hpp"
#include "fit/plan/search.hpp"
#include "patterns/gpu_spec.hpp"

namespace meshbench::plan {
namespace {

TrafficRow make_row(const char* axis, const char* phase, CollectiveOp op, long long calls) {
  TrafficRow r;
  r.axis = axis;
  r.phase = phase;
  r.op = op;
  r.calls_per_step = calls;
  return r;
}

HidingCompute compute(double forward_s, double backward_s, long long micro_batches, long long layers) {
  HidingCompute h;
  h.forward_s = forward_s;
  h.backward_s = backward_s;
  h.micro_batches = micro_batches;
  h.stage_layers = layers;
  h.linear_s = 0.8 * (forward_s + backward_s);
  return h;
}

// ZeRO-3: each layer's gather hides behind the previous layer's forward, so only the first
// shows while a gather is shorter than a layer's compute, and the excess of the others beyond.
TEST(Overlap, ZeroThreeGathersArePrefetchedBehindThePreviousLayer) {
  const long long layers = 10, m = 2;
  const std::vector<TrafficRow> rows = {make_row("zero", "fwd", CollectiveOp::kAllGather, layers * m)};
  // Forward 1 s per micro-batch: 0.1 s per layer.
  const HidingCompute h = compute(2.0, 4.0, m, layers);
  // A 0.05 s gather: only the first layer's, per micro-batch.
  EXPECT_NEAR(exposed_seconds(rows, {0.05}, {}, h, 1), m * 0.05, 1e-12);
  // A 0.3 s gather: the first whole and 9 x (0.3 - 0.1) for the rest (the last layer's compute
  // hides nothing), per micro-batch.
  EXPECT_NEAR(exposed_seconds(rows, {0.3}, {}, h, 1), m * (0.3 + 9 * 0.3 - 0.9), 1e-12);
}

TEST(Overlap, GradientReductionHidesBehindTheLastMicroBatchOnlyWhenOverlapped) {
  const std::vector<TrafficRow> rows = {make_row("dp", "step", CollectiveOp::kAllReduce, 4),
                                        make_row("dp", "step", CollectiveOp::kAllReduce, 1)};
  const std::vector<double> call_s = {0.2, 0.05};  // 0.85 s in all, 0.05 s the last bucket
  const HidingCompute h = compute(1.0, 2.0, 4, 8);  // 0.5 s backward per micro-batch
  OverlapSettings on;
  on.grad_reduce = true;
  EXPECT_NEAR(exposed_seconds(rows, call_s, {}, h, 1), 0.85, 1e-12);
  EXPECT_NEAR(exposed_seconds(rows, call_s, on, h, 1), 0.85 - 0.5, 1e-12);
  // With backward to spare, the last bucket still shows.
  EXPECT_NEAR(exposed_seconds(rows, call_s, on, compute(4.0, 8.0, 4, 8), 1), 0.05, 1e-12);
}

// TE's TP overlap hides the layers' TP traffic behind their GEMMs, never the vocab-parallel
// embedding, output layer and cross entropy.
TEST(Overlap, TensorParallelOverlapLeavesTheVocabRowsExposed) {
  TrafficRow layer = make_row("tp", "fwd", CollectiveOp::kAllGather, 10);
  TrafficRow vocab = make_row("tp", "fwd", CollectiveOp::kAllReduce, 3);
  vocab.overlappable = false;
  OverlapSettings tp;
  tp.tp = true;
  const HidingCompute h = compute(1.0, 2.0, 1, 4);  // linear GEMMs 2.4 s
  EXPECT_NEAR(exposed_seconds({layer, vocab}, {0.1, 0.01}, tp, h, 1), 0.03, 1e-12);
  EXPECT_NEAR(exposed_seconds({layer, vocab}, {0.1, 0.01}, {}, h, 1), 1.03, 1e-12);
}

TEST(Overlap, PipelineSendsShowOnlyInFillAndDrainWhenOverlapped) {
  const std::vector<TrafficRow> rows = {make_row("pp", "fwd", CollectiveOp::kSendRecv, 64),
                                        make_row("pp", "bwd", CollectiveOp::kSendRecv, 64)};
  OverlapSettings p2p;
  p2p.p2p = true;
  const HidingCompute h = compute(1, 2, 32, 4);
  EXPECT_NEAR(exposed_seconds(rows, {0.01, 0.01}, {}, h, 8), 1.28, 1e-12);
  EXPECT_NEAR(exposed_seconds(rows, {0.01, 0.01}, p2p, h, 8), 2 * 7 * 0.01, 1e-12);
}

TEST(Overlap, FrameworkDefaultsFollowTheirCode) {
  TrainingConfig t;
  t.sequence_parallel = true;
  t.virtual_pipeline_stages = 2;
  t.zero_stage = 1;
  const MeshSizes layout = parse_mesh_sizes("tp=4,pp=4,dp=2");
  const OverlapSettings lm = framework_overlap(Framework::kMegatronLm, t, layout);
  EXPECT_FALSE(lm.tp || lm.grad_reduce || lm.param_gather);
  EXPECT_TRUE(lm.p2p);  // arguments.py keeps overlap_p2p_comm with an interleaved schedule
  const OverlapSettings bridge = framework_overlap(Framework::kMegatronBridge, t, layout);
  EXPECT_TRUE(bridge.tp && bridge.grad_reduce && bridge.param_gather && bridge.p2p);
  t.sequence_parallel = false;  // Megatron-Bridge turns TP overlap off without SP
  EXPECT_FALSE(framework_overlap(Framework::kMegatronBridge, t, layout).tp);
  EXPECT_FALSE(framework_overlap(Framework::kDeepSpeed, t, layout).grad_reduce);
  t.zero_stage = 3;
  EXPECT_TRUE(framework_overlap(Framework::kDeepSpeed, t, layout).grad_reduce);
  EXPECT_EQ(parse_framework("nemo"), Framework::kMegatronBridge);
  EXPECT_THROW(parse_framework("horovod"), ConfigError);
  OverlapChoice c;
  c.framework = Framework::kMegatronBridge;
  c.grad_reduce = false;
  EXPECT_FALSE(c.resolve(t, layout).grad_reduce);
  EXPECT_NE(c.describe(t, layout).find("with overrides"), std::string::npos);
}

TrafficInputs llama70b(bool fp8) {
  TrainingConfig t;
  t.seq_length = 8192;
  t.global_batch_size = 128;
  t.sequence_parallel = true;
  t.zero_stage = 1;
  t.virtual_pipeline_stages = 5;
  t.fp8 = fp8;
  return make_traffic_inputs(model_preset("llama3-70b"), t, parse_mesh_sizes("tp=4,pp=4,dp=4"));
}

// fp8: the linear GEMMs at the fp8 peak x its efficiency, attention and the output layer in
// bf16; MFU still against the bf16 peak unless told; no fp8 on a GPU without it.
TEST(Precision, Fp8SpeedsUpTheLinearGemmsOnly) {
  const auto cost = spec_sheet_cost(cluster_spec("dgx-h100"));
  const GpuSpec h100 = gpu_spec("h100");
  const StepEstimate bf16 = estimate_step(llama70b(false), h100, 8, *cost, {});
  const StepEstimate fp8 = estimate_step(llama70b(true), h100, 8, *cost, {});
  const ForwardFlopsPerToken f = forward_flops_per_token(model_preset("llama3-70b"), 8192);
  const double linear = f.matmul / f.total();
  // The memory-bound work is the same in both.
  EXPECT_NEAR(fp8.elementwise_s, bf16.elementwise_s, 1e-12);
  EXPECT_GT(bf16.elementwise_s, 0);
  EXPECT_NEAR((fp8.compute_s - fp8.elementwise_s) / (bf16.compute_s - bf16.elementwise_s),
              linear / kFp8LinearGemmSpeedup + (1 - linear), 1e-9);
  EXPECT_NEAR(fp8.compute_at_peak_s / bf16.compute_at_peak_s,
              linear * h100.peak_bf16_tflops / h100.peak_fp8_tflops + (1 - linear), 1e-9);
  EXPECT_EQ(fp8.mfu_peak_tflops, h100.peak_bf16_tflops);
  EXPECT_GT(fp8.mfu, bf16.mfu);
  EXPECT_GE(fp8.mfu_ceiling, fp8.mfu);
  EXPECT_THROW(estimate_step(llama70b(true), gpu_spec("a100-80g"), 8, *cost, {}), ConfigError);
  PlanOptions against_fp8;
  against_fp8.mfu_peak_tflops = h100.peak_fp8_tflops;
  EXPECT_NEAR(estimate_step(llama70b(true), h100, 8, *cost, against_fp8).mfu, fp8.mfu / 2, 1e-3);
}

// The ceiling is the layout's best: no framework's overlap and no efficiency up to 1 passes it.
TEST(Ceiling, NoFrameworkOrEfficiencyExceedsIt) {
  const auto cost = spec_sheet_cost(cluster_spec("dgx-h100"));
  for (Framework f : {Framework::kMegatronLm, Framework::kMegatronBridge, Framework::kFsdp,
                      Framework::kDeepSpeed, Framework::kDdp}) {
    for (double eff : {0.3, 0.65, 1.0}) {
      PlanOptions o;
      o.overlap.framework = f;
      o.matmul_efficiency = eff;
      const StepEstimate e = estimate_step(llama70b(false), gpu_spec("h100"), 8, *cost, o);
      // Strictly faster below full efficiency: the model keeps it a bound, not the clamp to
      // the estimate (which alone would make MFU <= ceiling hold trivially).
      if (eff < 1) {
        EXPECT_LT(e.ceiling_step_s, e.step_s) << framework_name(f) << " " << eff;
      } else {
        EXPECT_LE(e.mfu, e.mfu_ceiling + 1e-12) << framework_name(f) << " " << eff;
      }
    }
  }
}

// A sweep over accelerators, layouts, ZeRO stages, recomputation and frameworks, including the
// case a review found where each axis hid behind the whole compute on its own (b200, TP 16 x CP 2
// with megatron-bridge): the ceiling stays above the estimate everywhere.
TEST(Ceiling, HoldsAcrossASweep) {
  for (const char* gpu : {"h100", "b200", "a100-80g", "tpu-v5p"}) {
    const auto cost = spec_sheet_cost(cluster_for(gpu_spec(gpu)));
    for (const char* layout : {"tp=16,cp=2,dp=16", "tp=8,pp=4,dp=16", "tp=2,dp=256", "tp=16,dp=4"}) {
      for (int zero : {1, 3}) {
        for (Recompute r : {Recompute::kSelective, Recompute::kFull}) {
          TrainingConfig t;
          t.seq_length = 8192;
          t.micro_batch_size = 8;
          t.sequence_parallel = true;
          t.zero_stage = zero;
          t.recompute = r;
          const MeshSizes mesh = parse_mesh_sizes(layout);
          t.global_batch_size = 8LL * mesh[MeshAxis::kDp] * 2;
          const TrafficInputs in = make_traffic_inputs(model_preset("gpt3-175b"), t, mesh);
          for (Framework f : {Framework::kMegatronLm, Framework::kMegatronBridge, Framework::kFsdp}) {
            PlanOptions o;
            o.overlap.framework = f;
            const StepEstimate e = estimate_step(in, gpu_spec(gpu), 8, *cost, o);
            // Strictly faster, not merely clamped to the estimate: the model itself keeps the
            // ceiling a bound, with GEMMs at peak and the best overlap.
            EXPECT_LT(e.ceiling_step_s, e.step_s)
                << gpu << " " << layout << " zero" << zero << " " << framework_name(f);
            const double parts = e.compute_s + e.tp_s + e.pp_s + e.dp_s + e.zero_s + e.cp_s + e.ep_s + e.emb_s + e.bubble_s;
            EXPECT_NEAR(e.step_s, parts, 1e-9 * e.step_s) << gpu << " " << layout;
          }
        }
      }
    }
  }
}

// Llama 3.1 405B on 16,384 H100s at 8k: 126 layers divide over no pipeline deeper than 2, so
// only the uneven splits (embedding and loss counted) let search pipeline it.
TEST(Search, Llama405bOn16kGpusIsPipelinedWithUnevenStages) {
  TrainingConfig t;
  t.seq_length = 8192;
  t.global_batch_size = 2048;
  const auto cost = spec_sheet_cost(cluster_spec("dgx-h100"));
  const SearchResult r = search_layouts(model_preset("llama3-405b"), t, 16384, gpu_spec("h100"), 8, *cost, {});
  ASSERT_FALSE(r.ranked.empty());
  const Candidate& best = r.ranked.front();
  EXPECT_GE(best.inputs.layout[MeshAxis::kPp], 8) << best.label();
  EXPECT_TRUE(best.inputs.train.embedding_in_split) << best.label();
  EXPECT_GE(best.estimate.mfu, 0.35) << best.label();
  EXPECT_LE(best.estimate.mfu, 0.50) << best.label();
}

/// validate_runs on `csv` written to a temporary file of its own (removed after).
Validation validate_text(const std::string& name, const std::string& csv) {
  const std::string path = testing::TempDir() + "/" + name + "_" + std::to_string(::getpid()) + ".csv";
  std::ofstream(path) << csv;
  const Validation v = validate_runs(path);
  std::remove(path.c_str());
  return v;
}

// validate reads rows as people write them: thousands separators, "not stated", "FSDP=64",
// torchtitan's local batch, and 126 layers on 16 stages.
TEST(Validate, ReadsRowsAsPeopleWriteThem) {
  const Validation v = validate_text("validate_people", std::string() +
      "row_id,group,model,layers,hidden,heads,kv_heads,ffn,vocab,seq_len,global_batch_seqs,"
         "tokens_per_batch,gpu,precision,peak_tflops_per_gpu,gpus_total,gpus_per_node,tp,pp,dp,cp,"
         "vpp_interleave,micro_batch,recompute,seq_parallel,zero_or_fsdp,reported_mfu_pct,"
         "derived_mfu_pct,source\n"
      + "A,Meta,Llama 3 405B,126,16384,128,8,53248 (SwiGLU),128256,\"8,192\",,16M,H100 SXM,BF16,"
         "989 (BF16 dense),\"8,192\",8,8,16,64,1,\"interleaved schedule, V not stated\","
         "not stated (tunable N),none stated,,FSDP as DP (params not resharded after fwd),43%,,"
         "Llama 3 paper 2024\n"
      + "B,torchtitan,Llama 3 8B,32,4096,32,8,14336,128256,8192,not stated,,H100 SXM,BF16,989,64,8,"
         "1,1,FSDP=64,1,n/a,local batch size 2,full,n/a,FSDP2,,38.0,torchtitan 2024\n"
      + "C,DGXC,Nemotron,96,18432,96,8,73728,256000,4096,32,,H100 SXM,FP8,1979 (FP8 dense),128,8,"
         "8,8,2,1,12,1,,,DDP + distributed optimizer,40.38%,,dgxc-benchmarking 2024\n"
      + "D,x,bad peak,32,4096,32,8,14336,128256,8192,64,,H100 SXM,BF16,-989,8,8,1,1,8,1,,1,,,,40,,x\n");
  ASSERT_EQ(v.rows.size(), 3u);
  ASSERT_EQ(v.skipped.size(), 1u);
  EXPECT_EQ(v.skipped[0].first, "D");
  EXPECT_NE(v.skipped[0].second.find("peak_tflops_per_gpu"), std::string::npos) << v.skipped[0].second;
  auto notes = [&](std::size_t i) {
    std::string all;
    for (const std::string& n : v.rows[i].assumptions) all += n + "; ";
    return all;
  };
  EXPECT_NE(notes(0).find("embedding and loss counted"), std::string::npos) << notes(0);
  EXPECT_NE(notes(0).find("global batch 2048"), std::string::npos) << notes(0);
  EXPECT_NE(notes(1).find("global batch = local batch 2 x dp 64"), std::string::npos) << notes(1);
  EXPECT_NE(v.rows[1].framework.find("fsdp"), std::string::npos) << v.rows[1].framework;
  EXPECT_TRUE(v.rows[2].estimate.fp8);
  EXPECT_EQ(v.rows[2].estimate.mfu_peak_tflops, 1979);
  EXPECT_NE(v.rows[2].framework.find("megatron-bridge"), std::string::npos) << v.rows[2].framework;
  for (const RunCheck& c : v.rows) EXPECT_LT(c.estimate.ceiling_step_s, c.estimate.step_s) << c.row_id;
}

// Negations and flag values are read as said: "not FSDP", "not used", "checkpointing: none",
// "bf16 (no fp8)", "non-interleaved", "--tp-comm-overlap disabled", "ZeRO stage=3", "full (not
// selective)"; a reported MFU of Infinity or 500% skips the row with the column named.
TEST(Validate, ReadsNegationsAndFlagValues) {
  const Validation v = validate_text("validate_negations", std::string() +
      "row_id,group,model,layers,hidden,heads,kv_heads,ffn,vocab,seq_len,global_batch_seqs,gpu,"
         "precision,peak_tflops_per_gpu,gpus_total,gpus_per_node,tp,pp,dp,cp,vpp_interleave,"
         "micro_batch,recompute,seq_parallel,zero_or_fsdp,reported_mfu_pct,derived_mfu_pct,source\n"
      + "A,Megatron-LM,GPT 20B,44,6144,48,,,51200,2048,512,A100-SXM4-80GB,bf16 (no fp8),312,64,8,8,2,4,1,"
         "non-interleaved,1,activation checkpointing: none,not used,DDP (not FSDP),45,,"
         "--tp-comm-overlap disabled 2023\n"
      + "B,x,GPT 20B,44,6144,48,,,51200,2048,512,A100-SXM4-80GB,bf16,312,64,8,1,1,64,1,,1,"
         "full (not selective),,ZeRO stage=3,40,,x 2023\n"
      + "C,x,GPT 20B,44,6144,48,,,51200,2048,512,A100-SXM4-80GB,bf16,312,64,8,1,1,64,1,,1,,,,Infinity,,x\n"
      + "D,x,GPT 20B,44,6144,48,,,51200,2048,512,A100-SXM4-80GB,bf16,312,64,8,1,1,64,1,,1,,,,500,,x\n"
      + "E,x,GPT 20B,44,6144,48,,,51200,2048,512,A100-SXM4-80GB,bf16,312,64,8,1,1,64,1,,1,"
         "full (activation offload),,no ZeRO-3; FSDP not used,40,,x 2023\n"
      + "F,x,GPT 20B,44,6144,48,,,51200,2048,512,A100-SXM4-80GB,bf16,312,64,8,1,1,64,1,,1,,,zero"
      + std::string(50000, ' ') + "3,40,,x 2023\n");
  ASSERT_EQ(v.rows.size(), 4u);
  const RunCheck& a = v.rows[0];
  EXPECT_FALSE(a.estimate.fp8);
  EXPECT_NEAR(a.estimate.hfu, a.estimate.mfu, 1e-12);  // no recomputation
  EXPECT_NEAR(a.estimate.bubble_s / (a.estimate.compute_s + a.estimate.tp_s + a.estimate.cp_s + a.estimate.ep_s),
              1.0 / (512 / 4), 1e-12);  // pp 2, vpp 1, 128 micro-batches
  EXPECT_EQ(a.framework.find("tp,"), std::string::npos) << a.framework;
  EXPECT_EQ(a.framework.find("ZeRO-3"), std::string::npos) << a.framework;
  const RunCheck& b = v.rows[1];
  EXPECT_NE(b.framework.find("ZeRO-3"), std::string::npos) << b.framework;
  EXPECT_GT(b.estimate.hfu, 1.3 * b.estimate.mfu);  // full recomputation: about 4/3
  const RunCheck& e = v.rows[2];  // full recomputation with offload; neither ZeRO-3 nor FSDP
  EXPECT_GT(e.estimate.hfu, 1.3 * e.estimate.mfu);
  EXPECT_EQ(e.framework.find("ZeRO-3"), std::string::npos) << e.framework;
  EXPECT_EQ(e.framework.find("fsdp"), std::string::npos) << e.framework;
  // 50,000 spaces inside the ZeRO text: read (ZeRO-3), not a stack overflow in std::regex.
  EXPECT_NE(v.rows[3].framework.find("ZeRO-3"), std::string::npos) << v.rows[3].framework;
  ASSERT_EQ(v.skipped.size(), 2u);
  EXPECT_NE(v.skipped[0].second.find("reported_mfu_pct"), std::string::npos) << v.skipped[0].second;
  EXPECT_NE(v.skipped[1].second.find("500%"), std::string::npos) << v.skipped[1].second;
}

}  // namespace
}  // namespace meshbench::plan
