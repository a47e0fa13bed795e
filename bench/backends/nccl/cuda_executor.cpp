#include "bench/backends/nccl/cuda_executor.hpp"

#include <vector>

#include "bench/backends/nccl/cuda_error.hpp"
#include "bench/backends/nccl/device_kernels.hpp"
#include "bench/backends/nccl/nccl_communicator.hpp"
#include "bench/launch_plan.hpp"
#include "bench/verify.hpp"

namespace meshbench {
namespace {

/// StreamOps on the communicator's stream: CUDA events, stream capture, graph launch.
class CudaStreamOps final : public StreamOps {
 public:
  explicit CudaStreamOps(NcclCommunicator& comm) : comm_(comm) {
    MESHBENCH_CUDA_CHECK(cudaEventCreate(&start_));
    MESHBENCH_CUDA_CHECK(cudaEventCreate(&stop_));
  }
  ~CudaStreamOps() override {
    if (exec_ != nullptr) cudaGraphExecDestroy(exec_);
    if (graph_ != nullptr) cudaGraphDestroy(graph_);
    cudaEventDestroy(start_);
    cudaEventDestroy(stop_);
  }
  CudaStreamOps(const CudaStreamOps&) = delete;
  CudaStreamOps& operator=(const CudaStreamOps&) = delete;

  void record_start() override { MESHBENCH_CUDA_CHECK(cudaEventRecord(start_, comm_.stream())); }
  void record_stop() override { MESHBENCH_CUDA_CHECK(cudaEventRecord(stop_, comm_.stream())); }
  double wait_elapsed_seconds() override {
    comm_.synchronize();
    float ms = 0;
    MESHBENCH_CUDA_CHECK(cudaEventElapsedTime(&ms, start_, stop_));
    return ms * 1e-3;
  }
  void begin_capture() override {
    // Thread-local mode: other threads' CUDA calls (NCCL's proxy) do not break the capture.
    MESHBENCH_CUDA_CHECK(cudaStreamBeginCapture(comm_.stream(), cudaStreamCaptureModeThreadLocal));
  }
  void end_capture() override {
    MESHBENCH_CUDA_CHECK(cudaStreamEndCapture(comm_.stream(), &graph_));
    MESHBENCH_CUDA_CHECK(cudaGraphInstantiate(&exec_, graph_, 0));
  }
  void launch_graph() override { MESHBENCH_CUDA_CHECK(cudaGraphLaunch(exec_, comm_.stream())); }

 private:
  NcclCommunicator& comm_;
  cudaEvent_t start_ = nullptr;
  cudaEvent_t stop_ = nullptr;
  cudaGraph_t graph_ = nullptr;
  cudaGraphExec_t exec_ = nullptr;
};

class CudaTimer final : public CallTimer {
 public:
  CudaTimer(NcclCommunicator& comm, std::function<void()> call, LaunchPlan plan)
      : ops_(comm), timer_(ops_, std::move(call), plan) {}
  double sample_seconds() override { return timer_.sample_seconds(); }

 private:
  CudaStreamOps ops_;
  StreamTimer timer_;
};

class CudaExecutor final : public Executor {
 public:
  explicit CudaExecutor(NcclCommunicator& comm) : comm_(comm) {}

  void fill(Buffers& b, const BufferLayout& layout, const PointContext& ctx) override {
    const std::size_t e = element_bytes(ctx.dtype);
    launch_fill_nan(b.recv, ctx.dtype, layout.recv_bytes / e, comm_.stream());
    launch_fill_values(b.send, ctx.dtype, layout.send_bytes / e, ctx.seed, ctx.rank,
                       ctx.magnitude, comm_.stream());
    comm_.synchronize();
  }

  std::unique_ptr<CallTimer> timer(std::function<void()> call, const LaunchPlan& plan) override {
    return std::make_unique<CudaTimer>(comm_, std::move(call), plan);
  }

  std::uint64_t count_wrong(const Buffers& b, Datatype dtype, std::size_t count,
                            const ExpectedForm& form) override {
    unsigned long long* wrong = nullptr;
    MESHBENCH_CUDA_CHECK(cudaMalloc(&wrong, sizeof *wrong));
    const std::unique_ptr<unsigned long long, decltype(&cudaFree)> owner(wrong, cudaFree);
    MESHBENCH_CUDA_CHECK(cudaMemsetAsync(wrong, 0, sizeof *wrong, comm_.stream()));
    launch_count_wrong(b.recv, dtype, count, form, wrong, comm_.stream());
    unsigned long long host = 0;
    MESHBENCH_CUDA_CHECK(
        cudaMemcpyAsync(&host, wrong, sizeof host, cudaMemcpyDeviceToHost, comm_.stream()));
    comm_.synchronize();
    return host;
  }

  void corrupt(Buffers& b, Datatype dtype, std::size_t index) override {
    // Test-only and one element: through the host, with the host's definition of "corrupt".
    const std::size_t e = element_bytes(dtype);
    std::vector<std::byte> element(e);
    auto* at = static_cast<std::byte*>(b.recv) + index * e;
    // On the communicator's stream: it does not synchronize with the legacy default stream.
    MESHBENCH_CUDA_CHECK(cudaMemcpyAsync(element.data(), at, e, cudaMemcpyDeviceToHost,
                                         comm_.stream()));
    comm_.synchronize();
    corrupt_element(element.data(), dtype, 0);
    MESHBENCH_CUDA_CHECK(cudaMemcpyAsync(at, element.data(), e, cudaMemcpyHostToDevice,
                                         comm_.stream()));
    comm_.synchronize();
  }

 protected:
  std::shared_ptr<void> allocate_bytes(std::size_t bytes) override {
    void* p = nullptr;
    MESHBENCH_CUDA_CHECK(cudaMalloc(&p, bytes));
    return std::shared_ptr<void>(p, [](void* q) { cudaFree(q); });
  }

 private:
  NcclCommunicator& comm_;
};

}  // namespace

std::unique_ptr<Executor> make_cuda_executor(NcclCommunicator& comm) {
  return std::make_unique<CudaExecutor>(comm);
}

}  // namespace meshbench
