#pragma once
// A CSV file read with libcsv (RFC 4180 quoting), with line numbers kept for error messages.

#include <cstddef>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "patterns/input_error.hpp"

namespace meshbench::fit {

/// Bad input file: what() is "FILE:LINE: message" (or "FILE: message"). One type for all
/// of meshbench (patterns/input_error.hpp).
using meshbench::InputError;

struct CsvRow {
  std::size_t line = 0;  ///< 1-based line where the row ends
  std::vector<std::string> fields;
};

/// A parsed CSV file: first non-empty row is the header.
class CsvTable {
 public:
  /// Reads `file`. Throws InputError for an unreadable file, malformed quoting, an empty file,
  /// a duplicate column name, or a row whose field count differs from the header's.
  static CsvTable read(const std::filesystem::path& file);

  const std::filesystem::path& file() const { return file_; }
  const std::vector<std::string>& header() const { return header_; }
  const std::vector<CsvRow>& rows() const { return rows_; }

  /// Index of column `name`, or nullopt.
  std::optional<std::size_t> find_column(const std::string& name) const;
  /// Index of column `name`; throws InputError naming the file and the missing column.
  std::size_t column(const std::string& name) const;

  /// "FILE:LINE" of a row, for messages.
  std::string where(const CsvRow& row) const;

 private:
  std::filesystem::path file_;
  std::vector<std::string> header_;
  std::vector<CsvRow> rows_;
};

/// Parses a finite double from a field; throws InputError "FILE:LINE: column 'C': ..." otherwise.
double parse_number(const CsvTable& table, const CsvRow& row, std::size_t column);

}  // namespace meshbench::fit
