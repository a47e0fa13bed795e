#include "fit/csv_table.hpp"

#include <csv.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>

#include <fmt/format.h>

namespace meshbench::fit {
namespace {

/// libcsv callbacks collect fields and rows; line counting follows the raw bytes fed to it.
struct Collector {
  std::vector<std::string> fields;
  std::vector<CsvRow> rows;
  std::size_t line = 1;
};

void on_field(void* data, std::size_t len, void* state) {
  auto* c = static_cast<Collector*>(state);
  c->fields.emplace_back(len ? std::string(static_cast<const char*>(data), len) : std::string());
}

void on_row(int /*terminator*/, void* state) {
  auto* c = static_cast<Collector*>(state);
  // A blank line reaches here as one empty field: skip it.
  if (!(c->fields.size() == 1 && c->fields[0].empty())) {
    c->rows.push_back(CsvRow{c->line, std::move(c->fields)});
  }
  c->fields.clear();
}

}  // namespace

CsvTable CsvTable::read(const std::filesystem::path& file) {
  refuse_directory(file, "CSV file");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot open file", file.string()));
  csv_parser parser;
  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0) {
    throw InputError(fmt::format("{}: cannot initialise the CSV parser", file.string()));
  }
  Collector collector;
  std::string line;
  while (std::getline(in, line)) {
    line.push_back('\n');
    if (csv_parse(&parser, line.data(), line.size(), on_field, on_row, &collector) != line.size()) {
      const std::string reason = csv_strerror(csv_error(&parser));
      csv_free(&parser);
      throw InputError(fmt::format("{}:{}: malformed CSV: {}", file.string(), collector.line, reason));
    }
    ++collector.line;
  }
  --collector.line;
  if (csv_fini(&parser, on_field, on_row, &collector) != 0) {
    const std::string reason = csv_strerror(csv_error(&parser));
    csv_free(&parser);
    throw InputError(fmt::format("{}:{}: malformed CSV: {}", file.string(), collector.line, reason));
  }
  csv_free(&parser);

  CsvTable table;
  table.file_ = file;
  if (collector.rows.empty()) throw InputError(fmt::format("{}: empty file", file.string()));
  table.header_ = std::move(collector.rows.front().fields);
  std::set<std::string> names;
  for (const auto& name : table.header_) {
    if (!names.insert(name).second) {
      throw InputError(fmt::format("{}:{}: column '{}' appears twice", file.string(),
                                   collector.rows.front().line, name));
    }
  }
  for (std::size_t i = 1; i < collector.rows.size(); ++i) {
    auto& row = collector.rows[i];
    if (row.fields.size() != table.header_.size()) {
      throw InputError(fmt::format("{}:{}: {} fields, the header has {} (truncated row?)",
                                   file.string(), row.line, row.fields.size(),
                                   table.header_.size()));
    }
    table.rows_.push_back(std::move(row));
  }
  return table;
}

std::optional<std::size_t> CsvTable::find_column(const std::string& name) const {
  for (std::size_t i = 0; i < header_.size(); ++i) {
    if (header_[i] == name) return i;
  }
  return std::nullopt;
}

std::size_t CsvTable::column(const std::string& name) const {
  const auto index = find_column(name);
  if (!index) throw InputError(fmt::format("{}: missing column '{}'", file_.string(), name));
  return *index;
}

std::string CsvTable::where(const CsvRow& row) const {
  return fmt::format("{}:{}", file_.string(), row.line);
}

double parse_number(const CsvTable& table, const CsvRow& row, std::size_t column) {
  const std::string& text = row.fields.at(column);
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || errno == ERANGE ||
      !std::isfinite(value)) {
    throw InputError(fmt::format("{}: column '{}': not a finite number: '{}'", table.where(row),
                                 table.header().at(column), text));
  }
  return value;
}

}  // namespace meshbench::fit
