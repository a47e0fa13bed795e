#include "fit/atomic_outputs.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

namespace meshbench::fit {

AtomicOutputs::~AtomicOutputs() {
  for (const auto& [tmp, final_name] : pending_) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
  }
}

void AtomicOutputs::write(const std::string& name, const std::string& text) {
  const auto final_name = folder_ / name;
  const auto tmp = folder_ / fmt::format(".{}.tmp.{}", name, ::getpid());
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    throw std::runtime_error(fmt::format("cannot write '{}'", final_name.string()));
  }
  pending_.emplace_back(tmp, final_name);
}

void AtomicOutputs::commit() {
  for (const auto& [tmp, final_name] : pending_) {
    std::error_code ec;
    std::filesystem::rename(tmp, final_name, ec);
    if (ec) throw std::runtime_error(fmt::format("cannot write '{}': {}", final_name.string(), ec.message()));
  }
  pending_.clear();
}

}  // namespace meshbench::fit
