#pragma once
// The output folder of a run: rank 0 creates it and its files, never overwriting results, and
// every rank learns whether that worked (so a bad --out ends all ranks with one message).

#include <filesystem>
#include <fstream>
#include <functional>

#include "bench/communicator.hpp"

namespace meshbench {

/// Creates `dir` and its parents. Returns true if it did not exist before. Throws UsageError
/// "--out: cannot create 'DIR': reason".
bool create_out_dir(const std::filesystem::path& dir);

/// create_out_dir for a command that writes run.json (sweep, compare, accept, pattern, pairs):
/// refuses a folder that holds another run's run.json, so no run replaces another's record.
/// Throws UsageError "--out: 'DIR' holds another run (run.json); choose another folder".
bool create_run_dir(const std::filesystem::path& dir);

/// Opens `file` for writing, refusing one that exists (results are never overwritten). Throws
/// UsageError naming --out and the file.
std::ofstream open_new_file(const std::filesystem::path& file);

/// Runs `setup` on rank 0 of `world` only, then tells every rank whether it threw: if so, rank 0
/// throws UsageError with setup's message and the other ranks one with an empty message (main
/// prints only rank 0's). Collective over `world`.
void setup_on_root(Communicator& world, const std::function<void()>& setup);

}  // namespace meshbench
