#pragma once
// `meshbench accept --expect FILE`: acceptance testing of a cluster. Runs the collectives of the
// expectations file on every node alone, every rail or all ranks (bench/accept/expectations.hpp)
// and the node-pair matrix; judges each group against absolute thresholds and/or the baseline of
// a healthy run (bench/accept/baseline.hpp); repeats a failing measurement a bounded number of
// times before failing it; bisects a failing all-ranks or rail collective to the slow node
// (bench/accept/bisection.hpp); names the node, link, rail or rank to blame; aborts a collective
// that does not finish in time with the ranks that never arrived; and writes report.md,
// junit.xml and the raw CSVs. Exit 0 pass, 1 fail, 2 bad input.

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "bench/backends/mpi/mpi_runtime.hpp"

namespace meshbench {

struct AcceptOptions {
  std::string expect_file;
  std::string out_dir;      ///< empty = results/<time>-accept-<N>ranks
  std::string baseline;        ///< a healthy run's figures (bench/accept/baseline.hpp); empty: none
  double max_drop = 0.05;      ///< fraction below the baseline that fails (and outside its spread)
  std::string write_baseline;  ///< record this run's figures as a baseline (a new file)
  int corrupt_rank = -1;    ///< test only: a wrong element on this rank
  int hang_rank = -1;       ///< test only: this rank stops responding before the first check
  std::string backend = "auto";  ///< collectives on mpi | nccl | auto (bench/gpu.hpp)
};

CLI::App* add_accept_command(CLI::App& app, AcceptOptions& o);

/// Runs the suite on all ranks. Returns 0 (pass) or 1 (fail); throws UsageError for a bad
/// expectations file. A collective past its timeout aborts the job (exit 1) after rank 0 has
/// printed and written the diagnosis.
int run_accept(MpiRuntime& mpi, const AcceptOptions& o, const std::vector<std::string>& command_line);

}  // namespace meshbench
