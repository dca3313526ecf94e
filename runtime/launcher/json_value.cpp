#include "json_value.h"

#include <cerrno>
#include <cstdlib>

namespace shmcheck::launcher {

namespace {
// Deeper documents are rejected rather than risking the stack.
constexpr int kMaxDepth = 128;
}  // namespace

class JsonParser {
 public:
  explicit JsonParser(std::string_view text) : text_(text) {}

  bool parse_document(JsonValue &out, std::string *error) {
    skip_space();
    bool ok = parse_value(out, 0);
    if (ok) {
      skip_space();
      if (pos_ != text_.size()) ok = fail("unexpected text after the document");
    }
    if (!ok && error != nullptr) *error = "offset " + std::to_string(pos_) + ": " + problem_;
    return ok;
  }

 private:
  bool fail(const char *problem) {
    problem_ = problem;
    return false;
  }
  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }

  void skip_space() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r'))
      ++pos_;
  }

  bool literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return fail("unknown literal");
    pos_ += word.size();
    return true;
  }

  bool parse_value(JsonValue &out, int depth) {
    if (depth > kMaxDepth) return fail("nested too deeply");
    if (at_end()) return fail("unexpected end of input");
    char c = peek();
    switch (c) {
      case '{': return parse_object(out, depth);
      case '[': return parse_array(out, depth);
      case '"':
        out.kind_ = JsonValue::Kind::String;
        return parse_string(out.text_);
      case 't':
        out.kind_ = JsonValue::Kind::Bool;
        out.flag_ = true;
        return literal("true");
      case 'f':
        out.kind_ = JsonValue::Kind::Bool;
        out.flag_ = false;
        return literal("false");
      case 'n':
        out.kind_ = JsonValue::Kind::Null;
        return literal("null");
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return parse_number(out);
        return fail("expected a value");
    }
  }

  bool parse_object(JsonValue &out, int depth) {
    out.kind_ = JsonValue::Kind::Object;
    ++pos_;  // '{'
    skip_space();
    if (peek() == '}') {
      ++pos_;
      return true;
    }
    for (;;) {
      skip_space();
      if (peek() != '"') return fail("expected a member name");
      std::string name;
      if (!parse_string(name)) return false;
      skip_space();
      if (peek() != ':') return fail("expected ':'");
      ++pos_;
      skip_space();
      JsonValue member;
      if (!parse_value(member, depth + 1)) return false;
      out.members_.emplace_back(std::move(name), std::move(member));
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == '}') {
        ++pos_;
        return true;
      }
      return fail("expected ',' or '}'");
    }
  }

  bool parse_array(JsonValue &out, int depth) {
    out.kind_ = JsonValue::Kind::Array;
    ++pos_;  // '['
    skip_space();
    if (peek() == ']') {
      ++pos_;
      return true;
    }
    for (;;) {
      skip_space();
      JsonValue item;
      if (!parse_value(item, depth + 1)) return false;
      out.items_.push_back(std::move(item));
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == ']') {
        ++pos_;
        return true;
      }
      return fail("expected ',' or ']'");
    }
  }

  bool digits() {
    size_t start = pos_;
    while (!at_end() && peek() >= '0' && peek() <= '9') ++pos_;
    return pos_ > start;
  }

  bool parse_number(JsonValue &out) {
    size_t start = pos_;
    if (peek() == '-') ++pos_;
    if (peek() == '0') {
      ++pos_;
    } else if (!digits()) {
      return fail("malformed number");
    }
    if (peek() == '.') {
      ++pos_;
      if (!digits()) return fail("malformed number");
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (!digits()) return fail("malformed number");
    }
    out.kind_ = JsonValue::Kind::Number;
    out.text_ = std::string(text_.substr(start, pos_ - start));
    return true;
  }

  bool hex4(uint32_t &value) {
    if (pos_ + 4 > text_.size()) return fail("truncated \\u escape");
    value = 0;
    for (int i = 0; i < 4; ++i) {
      char c = text_[pos_++];
      value <<= 4;
      if (c >= '0' && c <= '9') value |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') value |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') value |= static_cast<uint32_t>(c - 'A' + 10);
      else return fail("bad hex digit in \\u escape");
    }
    return true;
  }

  static void append_utf8(std::string &out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xc0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xe0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }

  bool parse_escape(std::string &out) {
    if (at_end()) return fail("unterminated string");
    char c = text_[pos_++];
    switch (c) {
      case '"': out += '"'; return true;
      case '\\': out += '\\'; return true;
      case '/': out += '/'; return true;
      case 'b': out += '\b'; return true;
      case 'f': out += '\f'; return true;
      case 'n': out += '\n'; return true;
      case 'r': out += '\r'; return true;
      case 't': out += '\t'; return true;
      case 'u': break;
      default: return fail("unknown escape");
    }
    uint32_t cp;
    if (!hex4(cp)) return false;
    if (cp >= 0xd800 && cp <= 0xdbff) {
      // A high surrogate must be followed by an escaped low one.
      uint32_t low;
      if (text_.substr(pos_, 2) != "\\u") return fail("unpaired surrogate");
      pos_ += 2;
      if (!hex4(low)) return false;
      if (low < 0xdc00 || low > 0xdfff) return fail("unpaired surrogate");
      cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
    } else if (cp >= 0xdc00 && cp <= 0xdfff) {
      return fail("unpaired surrogate");
    }
    append_utf8(out, cp);
    return true;
  }

  bool parse_string(std::string &out) {
    ++pos_;  // '"'
    for (;;) {
      if (at_end()) return fail("unterminated string");
      char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) return fail("control character in string");
      ++pos_;
      if (c == '\\') {
        if (!parse_escape(out)) return false;
      } else {
        out += c;
      }
    }
  }

  std::string_view text_;
  size_t pos_ = 0;
  const char *problem_ = "";
};

const JsonValue *JsonValue::get(std::string_view key) const {
  for (const auto &[name, value] : members_)
    if (name == key) return &value;
  return nullptr;
}

std::optional<bool> JsonValue::as_bool() const {
  if (kind_ != Kind::Bool) return std::nullopt;
  return flag_;
}

std::optional<uint64_t> JsonValue::as_uint() const {
  if (kind_ != Kind::Number || text_.empty() || text_[0] == '-') return std::nullopt;
  if (text_.find_first_of(".eE") != std::string::npos) return std::nullopt;
  errno = 0;
  char *end = nullptr;
  unsigned long long value = strtoull(text_.c_str(), &end, 10);
  if (errno != 0 || end == nullptr || *end != '\0') return std::nullopt;
  return static_cast<uint64_t>(value);
}

std::optional<std::string> JsonValue::as_string() const {
  if (kind_ != Kind::String) return std::nullopt;
  return text_;
}

std::string JsonValue::string_or(std::string_view key, std::string fallback) const {
  const JsonValue *v = get(key);
  if (v == nullptr || v->kind_ != Kind::String) return fallback;
  return v->text_;
}

uint64_t JsonValue::uint_or(std::string_view key, uint64_t fallback) const {
  const JsonValue *v = get(key);
  if (v == nullptr) return fallback;
  return v->as_uint().value_or(fallback);
}

bool JsonValue::bool_or(std::string_view key, bool fallback) const {
  const JsonValue *v = get(key);
  if (v == nullptr) return fallback;
  return v->as_bool().value_or(fallback);
}

bool parse_json(std::string_view text, JsonValue &out, std::string *error) {
  out = JsonValue();
  return JsonParser(text).parse_document(out, error);
}

}  // namespace shmcheck::launcher
