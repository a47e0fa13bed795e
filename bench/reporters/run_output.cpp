#include "bench/reporters/run_output.hpp"

#include <fmt/format.h>

#include <string>

#include "bench/sweep_config.hpp"

namespace meshbench {

bool create_out_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  const bool created = std::filesystem::create_directories(dir, ec);
  if (ec) {
    throw UsageError(fmt::format("--out: cannot create '{}': {}", dir.string(), ec.message()));
  }
  return created;
}

bool create_run_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::exists(dir / "run.json", ec)) {
    throw UsageError(fmt::format("--out: '{}' holds another run (run.json); choose another folder",
                                 dir.string()));
  }
  return create_out_dir(dir);
}

std::ofstream open_new_file(const std::filesystem::path& file) {
  if (std::filesystem::exists(file)) {
    throw UsageError(fmt::format("--out: '{}' exists already; choose another folder",
                                 file.string()));
  }
  std::ofstream out(file);
  if (!out) throw UsageError(fmt::format("--out: cannot write '{}'", file.string()));
  return out;
}

void setup_on_root(Communicator& world, const std::function<void()>& setup) {
  std::string error;
  if (world.rank() == 0) {
    try {
      setup();
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  std::uint64_t failed = error.empty() ? 0 : 1, any_failed = 0;
  world.all_reduce(&failed, &any_failed, 1, Datatype::kUint64, ReduceOp::kSum);
  if (any_failed) throw UsageError(error);
}

}  // namespace meshbench
