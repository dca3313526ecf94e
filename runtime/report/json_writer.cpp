#include "json_writer.h"

#include <charconv>

namespace shmcheck::report {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// Length of the well-formed UTF-8 sequence at text[i], or 0 when the byte
// there does not start one (stray continuation byte, overlong form,
// surrogate, beyond U+10FFFF, truncated).
size_t utf8_sequence(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  size_t length;
  unsigned char low = 0x80, high = 0xbf;  // allowed range of the second byte
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) low = 0xa0;   // overlong
    if (lead == 0xed) high = 0x9f;  // surrogates
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) low = 0x90;   // overlong
    if (lead == 0xf4) high = 0x8f;  // beyond U+10FFFF
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (size_t k = 2; k < length; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xbf) return 0;
  return length;
}

}  // namespace

void append_json_string(std::string &out, std::string_view text) {
  out += '"';
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      size_t length = utf8_sequence(text, i);
      if (length == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(text.substr(i, length));
        i += length;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
}

void JsonWriter::newline(size_t depth) {
  out_ += '\n';
  out_.append(depth * static_cast<size_t>(indent_), ' ');
}

void JsonWriter::before_item() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (empty_.empty()) return;  // the top-level value
  if (!empty_.back()) out_ += ',';
  empty_.back() = false;
  if (indent_ > 0) newline(empty_.size());
}

void JsonWriter::open(char bracket) {
  before_item();
  out_ += bracket;
  empty_.push_back(true);
}

void JsonWriter::close(char bracket) {
  bool was_empty = empty_.empty() || empty_.back();
  if (!empty_.empty()) empty_.pop_back();
  if (indent_ > 0 && !was_empty) newline(empty_.size());
  out_ += bracket;
}

JsonWriter &JsonWriter::begin_object() {
  open('{');
  return *this;
}

JsonWriter &JsonWriter::end_object() {
  close('}');
  return *this;
}

JsonWriter &JsonWriter::begin_array() {
  open('[');
  return *this;
}

JsonWriter &JsonWriter::end_array() {
  close(']');
  return *this;
}

JsonWriter &JsonWriter::key(std::string_view name) {
  before_item();
  append_json_string(out_, name);
  out_ += indent_ > 0 ? ": " : ":";
  after_key_ = true;
  return *this;
}

JsonWriter &JsonWriter::value(std::string_view text) {
  before_item();
  append_json_string(out_, text);
  return *this;
}

JsonWriter &JsonWriter::value(bool flag) {
  before_item();
  out_ += flag ? "true" : "false";
  return *this;
}

JsonWriter &JsonWriter::null() {
  before_item();
  out_ += "null";
  return *this;
}

JsonWriter &JsonWriter::signed_number(int64_t number) {
  before_item();
  char digits[24];
  auto result = std::to_chars(digits, digits + sizeof digits, number);
  out_.append(digits, result.ptr);
  return *this;
}

JsonWriter &JsonWriter::unsigned_number(uint64_t number) {
  before_item();
  char digits[24];
  auto result = std::to_chars(digits, digits + sizeof digits, number);
  out_.append(digits, result.ptr);
  return *this;
}

}  // namespace shmcheck::report
