#include "patterns/gemm_shapes.hpp"

#include <gtest/gtest.h>

#include <map>

#include "patterns/gpu_spec.hpp"
#include "patterns/model_config.hpp"

namespace meshbench {
namespace {

double sum_flops(const std::vector<GemmShape>& shapes, GemmPass pass) {
  double f = 0;
  for (const GemmShape& s : shapes) f += s.pass == pass ? s.flops() : 0;
  return f;
}

TEST(GemmShapes, ForwardFlopsAreTwiceTokensTimesLayerMatmulWeights) {
  const ModelConfig m = model_preset("llama3-8b");  // h 4096, 32 heads, 8 KV heads, SwiGLU 14336
  const long long tokens = 4096;
  const double h = 4096, kv = 8 * 128, ffn = 14336;
  const double weights = h * (h + 2 * kv) + h * h + 3 * h * ffn;
  for (int tp : {1, 2, 4, 8}) {
    SCOPED_TRACE(tp);
    const auto shapes = layer_gemm_shapes(m, tp, 1, tokens);
    ASSERT_EQ(shapes.size(), 12u);
    // Each TP rank does 1/tp of the layer's matmul work (KV heads split evenly up to tp = 8).
    EXPECT_DOUBLE_EQ(sum_flops(shapes, GemmPass::kForward) * tp, 2 * tokens * weights);
    // Backward: data and weight gradients cost one forward each.
    EXPECT_DOUBLE_EQ(sum_flops(shapes, GemmPass::kBackwardData), sum_flops(shapes, GemmPass::kForward));
    EXPECT_DOUBLE_EQ(sum_flops(shapes, GemmPass::kBackwardWeight), sum_flops(shapes, GemmPass::kForward));
  }
  const auto tp8 = layer_gemm_shapes(m, 8, 1, tokens);
  std::map<std::string, GemmShape> fwd;
  for (const auto& s : tp8) {
    if (s.pass == GemmPass::kForward) fwd[s.layer] = s;
  }
  EXPECT_EQ(fwd["qkv"].n, 4096 / 8 + 2 * 128);   // 4 query heads + 1 K and 1 V head
  EXPECT_EQ(fwd["qkv"].k, 4096);
  EXPECT_EQ(fwd["attn_out"].k, 4096 / 8);        // row-parallel: the input is split
  EXPECT_EQ(fwd["mlp_up"].n, 2 * 14336 / 8);     // gate and up fused
  EXPECT_EQ(fwd["mlp_down"].k, 14336 / 8);
  for (const auto& s : tp8) {
    if (s.layer == "mlp_down" && s.pass == GemmPass::kBackwardWeight) {
      EXPECT_EQ(s.m, 14336 / 8);  // dW = X^T dY: (k x m) times (m x n)
      EXPECT_EQ(s.n, 4096);
      EXPECT_EQ(s.k, tokens);
    }
  }
}

TEST(GemmShapes, KvHeadsBeyondTpAreRefusedAsTrafficRefusesThem) {
  // Megatron-Core divides num_query_groups by tp (attention.py): tp 16 with 8 KV heads is not a
  // layout it runs, for the GEMM shapes as for the traffic.
  const ModelConfig m = model_preset("llama3-8b");
  try {
    layer_gemm_shapes(m, 16, 1, 2048);
    ADD_FAILURE() << "tp 16 accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("num_key_value_heads 8"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(tensor_parallel_violation(m, 16, "x").has_value());
  EXPECT_FALSE(tensor_parallel_violation(m, 8, "x").has_value());
}

TEST(GemmShapes, MoeExpertsSeeTheirShareOfTokens) {
  const ModelConfig m = model_preset("mixtral-8x7b");  // 8 experts, top-2
  for (const auto& s : layer_gemm_shapes(m, 1, 4, 4096)) {
    EXPECT_NE(s.layer, "mlp_up");  // every Mixtral layer is MoE: no dense MLP
    if (s.layer == "expert_up" && s.pass == GemmPass::kForward) {
      EXPECT_EQ(s.m, 4096 * 2 / 8);
      EXPECT_EQ(s.calls_per_layer, 2);  // 8 experts over ep = 4
    }
    if (s.layer == "qkv") {
      EXPECT_EQ(s.calls_per_layer, 1);
    }
  }
}

TEST(GemmShapes, RefusesLayoutsThatDoNotDivide) {
  const ModelConfig m = model_preset("llama3-8b");
  EXPECT_THROW(layer_gemm_shapes(m, 3, 1, 2048), ConfigError);
  EXPECT_THROW(layer_gemm_shapes(m, 1, 1, 0), ConfigError);
  EXPECT_THROW(layer_gemm_shapes(model_preset("mixtral-8x7b"), 1, 3, 2048), ConfigError);
}

TEST(GemmEfficiency, IsFlopWeighted) {
  // A big shape at 800 TFLOP/s and a small one at 100: 2e12 + 1e10 flops in 2.5 ms + 0.1 ms.
  GemmLayerTotals t;
  t.flops_per_layer = 2e12 + 1e10;
  t.time_us_per_layer = 2500 + 100;
  EXPECT_NEAR(t.tflops(), 773.08, 0.01);                     // 2.01e12 flop / 2.6 ms
  EXPECT_NEAR(flop_weighted_efficiency(t, 989.4), 0.78136, 1e-5);  // 773.08 / 989.4
  EXPECT_GT(flop_weighted_efficiency(t, 989.4), 0.5 * (800 + 100) / 989.4);  // not the mean
  EXPECT_THROW(flop_weighted_efficiency(t, 0), std::invalid_argument);
}

TEST(GpuSpec, NamesTheCudaRuntimeReports) {
  EXPECT_EQ(gpu_spec("NVIDIA H100 80GB HBM3").name, "h100");
  EXPECT_EQ(gpu_spec("NVIDIA H100 PCIe").name, "h100-pcie");
  EXPECT_EQ(gpu_spec("NVIDIA H200").name, "h200");
  EXPECT_EQ(gpu_spec("NVIDIA A100-SXM4-40GB").name, "a100-40g");
  EXPECT_EQ(gpu_spec("Tesla V100-SXM2-32GB").name, "v100");
  EXPECT_EQ(gpu_spec("DGX-GB200 (NVL72)").name, "gb200");  // the longest alias wins over b200
  EXPECT_EQ(gpu_spec("A100-SXM4-80GB (Selene DGX A100)").name, "a100-80g");
  EXPECT_EQ(gpu_spec("AMD Instinct MI300X").name, "mi300x");
  EXPECT_THROW(gpu_spec("Tesla K80"), ConfigError);
  // Whole tokens only: GH200 is no H200, an RTX A1000 no A100.
  EXPECT_THROW(gpu_spec("GH200"), ConfigError);
  EXPECT_THROW(gpu_spec("RTX A1000"), ConfigError);
  EXPECT_EQ(gpu_spec("gfx942").name, "mi300x");
  EXPECT_EQ(gpu_spec_names().size(), 20u);  // the table loads, no alias names two rows
}

}  // namespace
}  // namespace meshbench
