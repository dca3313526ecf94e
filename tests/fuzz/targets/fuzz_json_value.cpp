// libFuzzer target: the launcher's JSON parser (runtime/launcher/json_value.cpp),
// which reads every process's report_json records.
//
// Arbitrary bytes either fail with "offset N: ..." (N within the input) or
// give a document that, written out again, parses to the same document.
// The typed readers never fail on any value.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "json_value.h"
#include "json_writer.h"

using shmcheck::launcher::JsonValue;
using shmcheck::launcher::parse_json;

namespace {

[[noreturn]] void broken(const char *what, std::string_view input) {
  fprintf(stderr, "fuzz_json_value: %s: '%.*s'\n", what, static_cast<int>(input.size()),
          input.data());
  abort();
}

// The writer replaces ill-formed UTF-8 (with U+FFFD); the parser keeps
// bytes as they are. Documents with such strings are not compared.
bool valid_utf8(const std::string &s) {
  std::string quoted;
  shmcheck::report::append_json_string(quoted, s);
  return quoted.find("\\ufffd") == std::string::npos;
}

bool strings_are_utf8(const JsonValue &v, bool (*valid)(const std::string &)) {
  if (auto s = v.as_string()) return valid(*s);
  for (const JsonValue &item : v.items())
    if (!strings_are_utf8(item, valid)) return false;
  for (const auto &[name, value] : v.members())
    if (!valid(name) || !strings_are_utf8(value, valid)) return false;
  return true;
}

void write(std::string &out, const JsonValue &v) {
  switch (v.kind()) {
    case JsonValue::Kind::Null: out += "null"; break;
    case JsonValue::Kind::Bool: out += *v.as_bool() ? "true" : "false"; break;
    case JsonValue::Kind::Number:
      // What the launcher reads of a number: an unsigned integer, or nothing.
      out += v.as_uint() ? std::to_string(*v.as_uint()) : "0";
      break;
    case JsonValue::Kind::String: shmcheck::report::append_json_string(out, *v.as_string()); break;
    case JsonValue::Kind::Array:
      out += '[';
      for (size_t i = 0; i < v.items().size(); ++i) {
        if (i) out += ',';
        write(out, v.items()[i]);
      }
      out += ']';
      break;
    case JsonValue::Kind::Object:
      out += '{';
      for (size_t i = 0; i < v.members().size(); ++i) {
        if (i) out += ',';
        shmcheck::report::append_json_string(out, v.members()[i].first);
        out += ':';
        write(out, v.members()[i].second);
      }
      out += '}';
      break;
  }
}

bool same(const JsonValue &a, const JsonValue &b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case JsonValue::Kind::Null: return true;
    case JsonValue::Kind::Bool: return a.as_bool() == b.as_bool();
    case JsonValue::Kind::Number: return a.as_uint().value_or(0) == b.as_uint().value_or(0);
    case JsonValue::Kind::String: return a.as_string() == b.as_string();
    case JsonValue::Kind::Array:
      if (a.items().size() != b.items().size()) return false;
      for (size_t i = 0; i < a.items().size(); ++i)
        if (!same(a.items()[i], b.items()[i])) return false;
      return true;
    case JsonValue::Kind::Object:
      if (a.members().size() != b.members().size()) return false;
      for (size_t i = 0; i < a.members().size(); ++i)
        if (a.members()[i].first != b.members()[i].first ||
            !same(a.members()[i].second, b.members()[i].second))
          return false;
      return true;
  }
  return false;
}

void read_everything(const JsonValue &v) {
  (void)v.as_bool();
  (void)v.as_uint();
  (void)v.as_string();
  (void)v.string_or("record");
  (void)v.uint_or("pid");
  (void)v.bool_or("known", false);
  for (const JsonValue &item : v.items()) read_everything(item);
  for (const auto &member : v.members()) read_everything(member.second);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::string_view input(reinterpret_cast<const char *>(data), size);
  JsonValue parsed;
  std::string error;
  if (!parse_json(input, parsed, &error)) {
    if (error.compare(0, 7, "offset ") != 0) broken("error without its offset", input);
    const unsigned long offset = strtoul(error.c_str() + 7, nullptr, 10);
    if (offset > size) broken("error offset beyond the input", input);
    return 0;
  }
  read_everything(parsed);
  if (!strings_are_utf8(parsed, valid_utf8)) return 0;
  std::string again;
  write(again, parsed);
  JsonValue reparsed;
  if (!parse_json(again, reparsed, &error))
    broken("the document written out does not parse", input);
  if (!same(parsed, reparsed)) broken("the document written out differs", input);
  return 0;
}
