#pragma once
// `meshfit compare CANDIDATE REFERENCE`: bus bandwidth of two measurements of the same
// collectives, size by size (fit/compare_tables.hpp), with an optional pass/fail tolerance -
// e.g. meshbench's NCCL backend against nccl-tests on the same GPUs.

#include <CLI/CLI.hpp>

#include <string>

#include "fit/importers/import.hpp"

namespace meshbench::fit {

struct CompareOptions {
  std::string candidate, reference;  ///< any format import_table reads
  ImportOptions candidate_import, reference_import;
  std::string large_from = "1M";     ///< sizes of the bandwidth regime (K/M/G suffixes)
  double tolerance = 0;              ///< > 0: fail when a median ratio (large sizes) is off by more
  std::string format = "text";
};

CLI::App* add_compare_command(CLI::App& app, CompareOptions& o);

/// Prints the comparison. Returns 0, or 1 when a tolerance is given and a series' median ratio
/// over the large sizes lies outside [1 - tolerance, 1 + tolerance] (or it has no large sizes).
/// Throws InputError for unreadable inputs, a bad flag value, or nothing in common.
int run_compare(const CompareOptions& o);

}  // namespace meshbench::fit
