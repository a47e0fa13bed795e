#pragma once
// Names nccl-tests uses, shared by its text and JSON importers.

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fit/importers/import.hpp"

namespace meshbench::fit {

/// meshbench op for an nccl-tests program name ("all_reduce_perf", or a path ending in it):
/// all_reduce, all_gather, reduce_scatter, all_to_all (alltoall), broadcast, send_recv
/// (sendrecv). nullopt for programs meshbench has no op for (reduce, gather, scatter, ...).
std::optional<std::string> op_of_nccl_program(const std::string& program);

/// Bytes per element of an nccl-tests type name (float, half, bfloat16, double, int8, ...);
/// 0 for an unknown name.
std::size_t nccl_type_bytes(const std::string& type);

/// The rows of one nccl-tests run before validation.
struct NcclRow {
  std::size_t line = 0;
  double size_bytes = 0, count = 0;
  std::string type;
  std::string redop;                  ///< "" when the table has no redop column
  std::optional<int> root;            ///< when the table has a root column
  double time_us = 0, algbw_GBps = 0, busbw_GBps = 0;
  int algbw_decimals = 2, busbw_decimals = 2;  ///< as printed (their rounding)
  long long wrong = 0;                ///< #wrong: elements nccl-tests found wrong
};

/// What a table is, and how that was decided.
struct NcclIdentity {
  std::string op;
  int ranks = 0;
  std::vector<std::string> notes;  ///< each inference with the line it came from
};

/// Identifies a table (rules in results/README.md, "Importing nccl-tests and OSU logs"):
///  - op: --op; else the program (`all_gather_perf` on a command line or banner); else the
///    columns: a reduction (redop other than "none") whose size equals count x element size and
///    has no root is all_reduce or sendrecv (told apart by busbw/algbw at a known rank count),
///    a reduction whose size is count x element size x n is reduce_scatter, a non-reduction of
///    size count x element x n is all_gather or alltoall (which the columns cannot tell apart:
///    refused, naming --op), a rooted non-reduction of size count x element is broadcast.
///  - ranks: --ranks; else the busbw/algbw ratio (2(n-1)/n or (n-1)/n, within the printed
///    rounding), which wins over the rank lines with a note when they disagree; else size /
///    (count x element size) for all_gather, reduce_scatter and alltoall; else the rank lines;
///    else nThread x nGpus (one process, noted).
/// Throws InputError naming `where` and the flag that would tell when the table cannot say.
NcclIdentity identify_nccl_table(const std::string& where, const std::vector<NcclRow>& rows,
                                 bool has_redop, bool has_root, const std::string& program,
                                 int listed_ranks, int threads_x_gpus, const ImportOptions& o);

/// Checks the rows against size/time and the op's busbw factor at `ranks`, turns them into
/// Measurements with tier from `rank_hosts` (host of each rank; empty: one node) and `origin`
/// (file, tool, line range), and fills table.hosts. Rows of size 0, and rows with wrong results
/// (#wrong > 0: the run failed there, its time is no measurement), are skipped with a warning;
/// sizes may repeat only as whole repeated sweeps (nccl-tests -N cycles). Throws InputError
/// (see import_table) naming "FILE:LINE".
void finish_nccl_rows(ImportedTable& table, const std::vector<NcclRow>& rows,
                      const std::string& op, int ranks,
                      const std::vector<std::string>& rank_hosts, const std::string& origin);

}  // namespace meshbench::fit
