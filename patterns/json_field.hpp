#pragma once
// Typed access to a JSON document that names the file and the key in every refusal, for the
// readers of profile.json, gemm.json, expectations and nccl-tests JSON output.

#include <nlohmann/json.hpp>

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "patterns/input_error.hpp"

namespace meshbench {

/// Reads and parses a JSON file of at most `max_bytes`. Throws InputError "FILE: is a directory,
/// not a JSON file", "FILE: cannot open file", "FILE: larger than N bytes" or "FILE: not valid
/// JSON (at line L, column C: ...)".
nlohmann::json read_json_file(const std::filesystem::path& file,
                              std::size_t max_bytes = std::size_t{256} << 20);

/// A value inside a JSON document and its path from the root ("entries[3].regimes[0].alpha_us").
/// The accessors check the type (and range) and throw InputError "FILE: PATH: expected ...,
/// got VALUE" when it is wrong, so no JSON-library message without a key reaches the user.
/// Holds a pointer to the document: the document must outlive the field.
class JsonField {
 public:
  /// The root of `doc`, read from `file` (only its name is kept, for messages).
  JsonField(const nlohmann::json& doc, std::string file);

  /// The raw value, for a type test before a typed accessor.
  const nlohmann::json& json() const { return *value_; }
  /// "FILE: PATH" (PATH is "top level" for the root): the prefix of every message.
  std::string where() const;
  /// Throws InputError "FILE: PATH: WHAT".
  [[noreturn]] void fail(std::string_view what) const;

  /// Whether the value is JSON null (an optional field written as null).
  bool is_null() const { return value_->is_null(); }
  /// The member `key` of this object; throws when this is not an object or `key` is absent.
  JsonField at(std::string_view key) const;
  /// The member `key`, or nullopt when it is absent or null; throws when this is not an object.
  std::optional<JsonField> find(std::string_view key) const;
  /// Element i of this array; throws when this is not an array or i is out of range.
  JsonField at(std::size_t i) const;
  /// The elements of this array (throws when it is not one).
  std::vector<JsonField> elements() const;
  /// The members of this object (throws when it is not one).
  std::vector<std::pair<std::string, JsonField>> members() const;

  /// The string value; throws InputError when the value is not a string.
  std::string string() const;

  /// Checks that this object's "schema" is `expected`; throws InputError "FILE: schema: expected
  /// \"EXPECTED\", got VALUE" otherwise (or naming the missing key).
  void require_schema(std::string_view expected) const;
  /// The boolean value; throws InputError when the value is not true or false.
  bool boolean() const;
  /// An integer in [lo, hi]; a JSON number with a fraction, or outside the range, is refused.
  long long integer(long long lo, long long hi) const;
  /// A finite number in [lo, hi].
  double number(double lo, double hi) const;

 private:
  JsonField(const nlohmann::json* value, std::string file, std::string path);
  std::string child_path(std::string_view key) const;

  const nlohmann::json* value_;
  std::string file_;
  std::string path_;
};

}  // namespace meshbench
