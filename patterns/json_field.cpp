#include "patterns/json_field.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <iterator>

namespace meshbench {
namespace {

/// The value as a short JSON text for messages (a 100 KB string is not echoed whole).
std::string shown(const nlohmann::json& v) {
  std::string s = v.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return s;
}

const char* type_of(const nlohmann::json& v) {
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_boolean()) return "a boolean";
  if (v.is_null()) return "null";
  if (v.is_array()) return "an array";
  return "an object";
}

}  // namespace

nlohmann::json read_json_file(const std::filesystem::path& file, std::size_t max_bytes) {
  refuse_directory(file, "JSON file");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot open file", file.string()));
  std::string text;
  char buffer[65536];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_bytes) {
      throw InputError(fmt::format("{}: larger than {} bytes", file.string(), max_bytes));
    }
  }
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    // e.what() is "[json.exception.parse_error.101] parse error at line 1, column 2: ...":
    // the part after the bracket is the useful one.
    std::string why = e.what();
    if (const auto close = why.find("] "); close != std::string::npos) why = why.substr(close + 2);
    throw InputError(fmt::format("{}: not valid JSON ({})", file.string(), why));
  }
}

JsonField::JsonField(const nlohmann::json& doc, std::string file)
    : value_(&doc), file_(std::move(file)) {}

JsonField::JsonField(const nlohmann::json* value, std::string file, std::string path)
    : value_(value), file_(std::move(file)), path_(std::move(path)) {}

std::string JsonField::where() const {
  return fmt::format("{}: {}", file_, path_.empty() ? "top level" : path_);
}

void JsonField::fail(std::string_view what) const {
  throw InputError(fmt::format("{}: {}", where(), what));
}

std::string JsonField::child_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
}

JsonField JsonField::at(std::string_view key) const {
  if (!value_->is_object()) fail(fmt::format("expected an object, got {}", shown(*value_)));
  const auto it = value_->find(key);
  if (it == value_->end()) fail(fmt::format("missing field '{}'", key));
  return JsonField(&*it, file_, child_path(key));
}

std::optional<JsonField> JsonField::find(std::string_view key) const {
  if (!value_->is_object()) fail(fmt::format("expected an object, got {}", shown(*value_)));
  const auto it = value_->find(key);
  if (it == value_->end() || it->is_null()) return std::nullopt;
  return JsonField(&*it, file_, child_path(key));
}

JsonField JsonField::at(std::size_t i) const {
  if (!value_->is_array()) fail(fmt::format("expected an array, got {}", shown(*value_)));
  if (i >= value_->size()) fail(fmt::format("has {} elements, no [{}]", value_->size(), i));
  return JsonField(&(*value_)[i], file_, fmt::format("{}[{}]", path_, i));
}

std::vector<JsonField> JsonField::elements() const {
  if (!value_->is_array()) fail(fmt::format("expected an array, got {}", shown(*value_)));
  std::vector<JsonField> out;
  out.reserve(value_->size());
  for (std::size_t i = 0; i < value_->size(); ++i) out.push_back(at(i));
  return out;
}

std::vector<std::pair<std::string, JsonField>> JsonField::members() const {
  if (!value_->is_object()) fail(fmt::format("expected an object, got {}", shown(*value_)));
  std::vector<std::pair<std::string, JsonField>> out;
  for (auto it = value_->begin(); it != value_->end(); ++it) {
    out.emplace_back(it.key(), JsonField(&*it, file_, child_path(it.key())));
  }
  return out;
}

void JsonField::require_schema(std::string_view expected) const {
  const JsonField schema = at("schema");
  if (schema.json() != expected) {
    schema.fail(fmt::format("expected \"{}\", got {}", expected, schema.json().dump()));
  }
}

std::string JsonField::string() const {
  if (!value_->is_string()) fail(fmt::format("expected a string, got {}", shown(*value_)));
  return value_->get<std::string>();
}

bool JsonField::boolean() const {
  if (!value_->is_boolean()) fail(fmt::format("expected true or false, got {}", shown(*value_)));
  return value_->get<bool>();
}

long long JsonField::integer(long long lo, long long hi) const {
  if (!value_->is_number()) {
    fail(fmt::format("expected an integer in [{}, {}], got {} {}", lo, hi, type_of(*value_),
                     shown(*value_)));
  }
  // nlohmann keeps a non-negative integer as unsigned: read exactly up to 2^63 - 1; above it,
  // and for a double, checked as a double before any cast.
  if (value_->is_number_unsigned() &&
      value_->get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return checked_range(static_cast<long long>(value_->get<std::uint64_t>()), lo, hi, where());
  }
  if (value_->is_number_integer() && !value_->is_number_unsigned()) {
    return checked_range(value_->get<long long>(), lo, hi, where());
  }
  return checked_integer(value_->get<double>(), lo, hi, where());
}

double JsonField::number(double lo, double hi) const {
  if (!value_->is_number()) {
    fail(fmt::format("expected a number in [{}, {}], got {} {}", lo, hi, type_of(*value_),
                     shown(*value_)));
  }
  const double v = value_->get<double>();
  if (!std::isfinite(v) || v < lo || v > hi) {
    fail(fmt::format("expected a number in [{}, {}], got {}", lo, hi, shown(*value_)));
  }
  return v;
}

}  // namespace meshbench
