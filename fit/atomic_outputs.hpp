#pragma once
// Writes a set of output files all or nothing: each to a temporary name in the output folder,
// renamed over the real names only once every one is written (rename is atomic on POSIX), so an
// error halfway never truncates or half-replaces what an earlier run left there.

#include <filesystem>
#include <string>
#include <vector>

namespace meshbench::fit {

class AtomicOutputs {
 public:
  /// `folder` must exist.
  explicit AtomicOutputs(std::filesystem::path folder) : folder_(std::move(folder)) {}
  /// Removes temporaries that were not committed.
  ~AtomicOutputs();
  AtomicOutputs(const AtomicOutputs&) = delete;
  AtomicOutputs& operator=(const AtomicOutputs&) = delete;

  /// Writes `text` to a temporary beside `name`. Throws std::runtime_error naming the file.
  void write(const std::string& name, const std::string& text);
  /// Renames every temporary to its name. Throws std::runtime_error naming the file.
  void commit();

 private:
  std::filesystem::path folder_;
  std::vector<std::pair<std::filesystem::path, std::filesystem::path>> pending_;  ///< tmp, final
};

}  // namespace meshbench::fit
