#include "bench/gemm.hpp"

#include "bench/gpu.hpp"

#ifdef MESHBENCH_WITH_NCCL
#include <dlfcn.h>
#include <fmt/format.h>

#include <filesystem>
#endif

namespace meshbench {

std::string gemm_precision_name(GemmPrecision precision) {
  return precision == GemmPrecision::kBf16 ? "bf16" : "fp8";
}

bool gpu_has_fp8(int compute_capability) { return compute_capability >= 89; }

#ifndef MESHBENCH_WITH_NCCL
// The cuBLASLt runner is in bench/backends/nccl/gemm_cublaslt.cpp.
std::unique_ptr<GemmRunner> make_gemm_runner(int) { throw NoGpuError(kNotBuiltWithNccl); }
#else
/// Next to the executable (an installed meshbench), else in the build tree's bench/ (tests).
std::filesystem::path gemm_plugin_path() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  const auto beside = (ec ? std::filesystem::path(".") : exe.parent_path()) / kGemmPluginFile;
  if (std::filesystem::exists(beside, ec)) return beside;
  return std::filesystem::path(MESHBENCH_PLUGIN_BUILD_DIR) / kGemmPluginFile;
}

std::unique_ptr<GemmRunner> make_gemm_runner(int device) {
  const std::filesystem::path path = gemm_plugin_path();
  // Loaded once and never unloaded: the runner's code lives in it. dlerror() is cleared once
  // read, so the reason is kept with the handle for later calls.
  struct Plugin {
    void* handle = nullptr;
    std::string error;
  };
  static const Plugin plugin = [&] {
    Plugin p{dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL), ""};
    if (!p.handle) {
      const char* e = dlerror();
      p.error = e ? e : "unknown dlopen error";
    }
    return p;
  }();
  if (!plugin.handle) {
    throw NoGpuError(fmt::format("cannot load the cuBLASLt plugin {}: {}", path.string(), plugin.error));
  }
  using Entry = GemmRunner* (*)(int);
  const auto entry = reinterpret_cast<Entry>(dlsym(plugin.handle, kGemmPluginEntry));
  if (!entry) {
    throw NoGpuError(fmt::format("{}: no {} in it", path.string(), kGemmPluginEntry));
  }
  return std::unique_ptr<GemmRunner>(entry(device));
}
#endif

}  // namespace meshbench
