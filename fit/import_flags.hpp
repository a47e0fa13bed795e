#pragma once
// The flags that tell an importer what a file does not say (fit/importers/import.hpp), one
// definition for the meshfit commands that read measurement files.

#include <CLI/CLI.hpp>

#include "fit/importers/import.hpp"

namespace meshbench::fit {

/// Adds --op, --ranks and --nodes to `cmd`, filling `o`.
inline void add_import_flags(CLI::App& cmd, ImportOptions& o) {
  cmd.add_option("--op", o.op,
                 "The collective, where a file does not say (old nccl-tests output, OSU)");
  cmd.add_option("--ranks", o.ranks, "Ranks of the run, where a file does not say (OSU)");
  cmd.add_option("--nodes", o.nodes, "Nodes the ranks span, where a file does not say (OSU)");
}

}  // namespace meshbench::fit
