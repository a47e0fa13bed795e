#pragma once
// Importers: turn a measurement file into Measurements for the fitter. One small file per
// format (DESIGN.md): meshbench results.csv (fit/sweep_results), nccl-tests stdout (old
// format with an "error" column and new with "#wrong"), nccl-tests -J JSON, and OSU
// micro-benchmarks latency output.

#include <filesystem>
#include <string>
#include <vector>

#include "fit/sweep_results.hpp"

namespace meshbench::fit {

/// What an importer found, with where it came from.
struct ImportedTable {
  std::string format;                  ///< "meshbench", "nccl-tests", "nccl-tests-json", "osu"
  std::filesystem::path source;
  std::vector<Measurement> measurements;
  std::vector<std::string> hosts;      ///< distinct host names, in rank order of appearance
  std::string software;                ///< e.g. "nccl-tests 2.17.6, NCCL 22809", or ""
  std::string hardware;                ///< device names or the file's own hardware note
  std::vector<std::string> warnings;   ///< lines skipped, and why
  std::vector<std::string> notes;      ///< what was inferred, and from which line
};

struct ImportOptions {
  std::string format = "auto";  ///< auto, meshbench, nccl-tests, nccl-tests-json, osu
  std::string op;               ///< override the op the file implies (nccl-tests, osu)
  int ranks = 0;                ///< OSU output does not say; required there
  int nodes = 0;                ///< OSU: nodes the ranks span (default 1)
  std::string time_column = "time_us_p50";  ///< meshbench CSV only
  bool in_place = false;        ///< nccl-tests: fit the in-place columns, not out-of-place
};

/// Reads `file` in `options.format` ("auto": from its content). Throws InputError naming the
/// file, the line and the bad value for an unreadable or unknown format, a truncated table,
/// non-numeric, NaN, zero or negative times, a size that appears twice, algbw or busbw columns
/// that disagree with size/time (mixed units) or with the op's factor for the rank count
/// (wrong op or ranks), or a file with no data rows. Rows nccl-tests prints for sizes below one
/// element per rank (size 0) and log lines inside the table are skipped with a warning.
ImportedTable import_table(const std::filesystem::path& file, const ImportOptions& options);

/// Whether `line` is an nccl-tests table header or data row (for format detection).
bool looks_like_nccl_tests_line(const std::string& line);

struct LogText;

// One per format (the files of fit/importers/). The text importers take the file's text as
// import_table read it once (read_log_text).
ImportedTable import_nccl_tests_text(const std::filesystem::path& file, const LogText& text,
                                     const ImportOptions& o);
ImportedTable import_nccl_tests_json(const std::filesystem::path& file, const ImportOptions& o);
ImportedTable import_osu(const std::filesystem::path& file, const LogText& text,
                         const ImportOptions& o);

/// An empty table of `format` read from `file`, carrying the notes of its text.
ImportedTable log_table(std::string format, const std::filesystem::path& file, const LogText& text);

}  // namespace meshbench::fit
