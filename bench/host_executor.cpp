// The executor of host-memory backends, and what every executor shares (bench/executor.hpp).

#include "bench/communicator.hpp"
#include "bench/executor.hpp"
#include "bench/verify.hpp"

namespace meshbench {
namespace {

class HostTimer final : public CallTimer {
 public:
  HostTimer(std::function<double()> clock, std::function<void()> call, LaunchPlan plan)
      : clock_(std::move(clock)), call_(std::move(call)), plan_(plan) {}
  double sample_seconds() override {
    const double t0 = clock_();
    for (int i = 0; i < plan_.calls_per_sample; ++i) call_();
    return (clock_() - t0) / plan_.calls_per_sample;
  }

 private:
  std::function<double()> clock_;
  std::function<void()> call_;
  LaunchPlan plan_;
};

class HostExecutor final : public Executor {
 public:
  explicit HostExecutor(std::function<double()> clock) : clock_(std::move(clock)) {}

  void fill(Buffers& b, const BufferLayout& layout, const PointContext& ctx) override {
    const std::size_t e = element_bytes(ctx.dtype);
    fill_unwritten(b.recv, ctx.dtype, layout.recv_bytes / e);
    fill_verification_data(b.send, ctx.dtype, layout.send_bytes / e, ctx.seed, ctx.rank,
                           ctx.magnitude);
  }

  std::unique_ptr<CallTimer> timer(std::function<void()> call, const LaunchPlan& plan) override {
    return std::make_unique<HostTimer>(clock_, std::move(call), plan);
  }

  std::uint64_t count_wrong(const Buffers& b, Datatype dtype, std::size_t count,
                            const ExpectedForm& form) override {
    return meshbench::count_wrong(b.recv, dtype, count, form);
  }

  void corrupt(Buffers& b, Datatype dtype, std::size_t index) override {
    corrupt_element(b.recv, dtype, index);
  }

 protected:
  std::shared_ptr<void> allocate_bytes(std::size_t bytes) override {
    return std::shared_ptr<void>(new std::byte[bytes],
                                 [](void* p) { delete[] static_cast<std::byte*>(p); });
  }

 private:
  std::function<double()> clock_;
};

}  // namespace

Buffers Executor::allocate(const BufferLayout& layout, const PointContext& ctx) {
  Buffers b;
  b.memory = allocate_bytes(layout.total_bytes);
  auto* base = static_cast<std::byte*>(b.memory.get());
  b.send = base + layout.send_offset;
  b.recv = base + layout.recv_offset;
  fill(b, layout, ctx);
  return b;
}

std::unique_ptr<Executor> Communicator::make_executor() {
  return make_host_executor([this] { return wtime(); });
}

std::unique_ptr<Executor> make_host_executor(std::function<double()> clock) {
  return std::make_unique<HostExecutor>(std::move(clock));
}

}  // namespace meshbench
