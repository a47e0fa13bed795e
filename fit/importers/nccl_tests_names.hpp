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
  double time_us = 0, algbw_GBps = 0, busbw_GBps = 0;
};

/// Checks the rows against size/time and the op's busbw factor at `ranks`, turns them into
/// Measurements with tier from `rank_hosts` (host of each rank; empty: one node), and fills
/// table.hosts. Rows of size 0 are skipped with a warning. Throws InputError (see
/// import_table) naming `where` ("FILE:LINE").
void finish_nccl_rows(ImportedTable& table, const std::vector<NcclRow>& rows,
                      const std::string& op, int ranks,
                      const std::vector<std::string>& rank_hosts);

}  // namespace meshbench::fit
