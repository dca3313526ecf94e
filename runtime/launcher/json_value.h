// A parsed JSON document (RFC 8259), for reading back the runtime's
// report_json records. Numbers keep their text, so 64-bit ids and offsets
// come back exactly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shmcheck::launcher {

class JsonValue {
 public:
  enum class Kind { Null, Bool, Number, String, Array, Object };

  Kind kind() const { return kind_; }
  bool is_object() const { return kind_ == Kind::Object; }
  bool is_array() const { return kind_ == Kind::Array; }

  // The member `key` of an object, or nullptr (also for non-objects).
  const JsonValue *get(std::string_view key) const;

  // Typed reads; nullopt when the value is of another kind (or a number
  // that does not fit).
  std::optional<bool> as_bool() const;
  std::optional<uint64_t> as_uint() const;
  std::optional<std::string> as_string() const;

  // Member shorthands with a fallback for absent or mistyped members.
  std::string string_or(std::string_view key, std::string fallback = {}) const;
  uint64_t uint_or(std::string_view key, uint64_t fallback = 0) const;
  bool bool_or(std::string_view key, bool fallback) const;

  // Elements of an array (empty for other kinds).
  const std::vector<JsonValue> &items() const { return items_; }
  const std::vector<std::pair<std::string, JsonValue>> &members() const { return members_; }

 private:
  friend class JsonParser;
  Kind kind_ = Kind::Null;
  bool flag_ = false;
  std::string text_;  // string contents (UTF-8), or a number's literal
  std::vector<JsonValue> items_;
  std::vector<std::pair<std::string, JsonValue>> members_;
};

// Parses one complete document (surrounding whitespace allowed). On error
// returns false and sets `error` to "offset N: <problem>".
bool parse_json(std::string_view text, JsonValue &out, std::string *error);

}  // namespace shmcheck::launcher
