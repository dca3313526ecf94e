// libFuzzer target: the report writers (runtime/report): a race with
// arbitrary names, paths, numbers and stacks, as the TSan-shaped text, as a
// JSON record (report_json) and inside an indented document (the launcher's
// --json). The text keeps its shape; every JSON output is one valid document
// (the record on one line) that the launcher's parser reads back with the
// same values; strings that were valid UTF-8 come back unchanged.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include "json_value.h"
#include "race_record.h"
#include "report_format.h"

using namespace shmcheck::report;
using shmcheck::launcher::JsonValue;
using shmcheck::launcher::parse_json;

namespace {

[[noreturn]] void broken(const char *what, const std::string &output) {
  fprintf(stderr, "fuzz_report_writers: %s in:\n%s\n", what, output.c_str());
  abort();
}

// An independent check of well-formed UTF-8 (RFC 3629): no overlongs, no
// surrogates, nothing above U+10FFFF.
bool valid_utf8(const std::string &s) {
  for (size_t i = 0; i < s.size();) {
    const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = b(i);
    size_t n;
    uint32_t cp;
    if (c < 0x80) { ++i; continue; }
    if ((c & 0xe0) == 0xc0) { n = 2; cp = c & 0x1f; }
    else if ((c & 0xf0) == 0xe0) { n = 3; cp = c & 0x0f; }
    else if ((c & 0xf8) == 0xf0) { n = 4; cp = c & 0x07; }
    else return false;
    if (i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((b(i + k) & 0xc0) != 0x80) return false;
      cp = cp << 6 | (b(i + k) & 0x3f);
    }
    const uint32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < least[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n;
  }
  return true;
}

std::string any_string(FuzzedDataProvider &in) { return in.ConsumeRandomLengthString(48); }

PrintedFrame any_frame(FuzzedDataProvider &in) {
  PrintedFrame f;
  if (in.ConsumeBool()) f.function = any_string(in);
  if (in.ConsumeBool()) f.file = any_string(in);
  f.line = in.ConsumeIntegral<unsigned>();
  f.column = in.ConsumeIntegral<unsigned>();
  if (in.ConsumeBool()) f.module = any_string(in);
  f.address = in.ConsumeIntegral<uint64_t>();
  return f;
}

std::vector<PrintedFrame> any_stack(FuzzedDataProvider &in) {
  std::vector<PrintedFrame> stack(in.ConsumeIntegralInRange<size_t>(0, 6));
  for (PrintedFrame &f : stack) f = any_frame(in);
  return stack;
}

PrintedAccess any_access(FuzzedDataProvider &in, bool may_be_unknown) {
  PrintedAccess a;
  a.known = !may_be_unknown || in.ConsumeBool();
  a.kind = in.PickValueInArray({"read", "write", "atomic read", "atomic write", "atomic update"});
  a.size = in.ConsumeIntegral<uint64_t>();
  a.offset = in.ConsumeIntegral<uint64_t>();
  a.pid = in.ConsumeIntegral<uint32_t>();
  a.tid = in.ConsumeIntegral<uint32_t>();
  a.locks.resize(in.ConsumeIntegralInRange<size_t>(0, 4));
  for (std::string &lock : a.locks) lock = any_string(in);
  a.stack = any_stack(in);
  return a;
}

const JsonValue &member(const JsonValue &object, const char *key, const std::string &doc) {
  const JsonValue *v = object.get(key);
  if (v == nullptr) broken((std::string("no member ") + key).c_str(), doc);
  return *v;
}

void expect_uint(const JsonValue &object, const char *key, uint64_t value, const std::string &doc) {
  if (member(object, key, doc).as_uint() != value) broken(key, doc);
}

void expect_string(const JsonValue &v, const std::string &value, const std::string &doc) {
  std::optional<std::string> s = v.as_string();
  if (!s) broken("not a string", doc);
  if (valid_utf8(value) ? *s != value : !valid_utf8(*s)) broken("string changed", doc);
}

void expect_stack(const JsonValue &v, const std::vector<PrintedFrame> &stack,
                  const std::string &doc) {
  if (v.items().size() != stack.size()) broken("stack length", doc);
  for (size_t i = 0; i < stack.size(); ++i) {
    const JsonValue &f = v.items()[i];
    if (!stack[i].function.empty())
      expect_string(member(f, "function", doc), stack[i].function, doc);
    if (!stack[i].file.empty()) {
      expect_string(member(f, "file", doc), stack[i].file, doc);
      expect_uint(f, "line", stack[i].line, doc);
    }
    if (!stack[i].module.empty()) {
      expect_string(member(f, "module", doc), stack[i].module, doc);
      expect_uint(f, "module_offset", stack[i].address, doc);
    } else {
      expect_uint(f, "pc", stack[i].address, doc);
    }
  }
}

void expect_access(const JsonValue &v, const PrintedAccess &a, const std::string &doc) {
  if (member(v, "known", doc).as_bool() != a.known) broken("known", doc);
  expect_string(member(v, "access", doc), a.kind, doc);
  expect_uint(v, "offset", a.offset, doc);
  if (!a.known) return;
  expect_uint(v, "size", a.size, doc);
  expect_uint(v, "pid", a.pid, doc);
  expect_uint(v, "thread", a.tid, doc);
  const JsonValue &locks = member(v, "locks", doc);
  if (locks.items().size() != a.locks.size()) broken("locks", doc);
  for (size_t i = 0; i < a.locks.size(); ++i) expect_string(locks.items()[i], a.locks[i], doc);
  expect_stack(member(v, "stack", doc), a.stack, doc);
}

void expect_race(const JsonValue &v, const PrintedRace &race, const std::string &doc) {
  expect_uint(v, "pid", race.detector_pid, doc);
  expect_string(member(v, "summary", doc), summary_location(race.current.stack, ""), doc);
  expect_uint(v, "offset", race.current.offset, doc);
  const JsonValue &segment = member(v, "segment", doc);
  expect_uint(segment, race.segment_is_object ? "dev" : "shmid", race.segment_id, doc);
  expect_uint(segment, race.segment_is_object ? "inode" : "key", race.segment_key, doc);
  expect_uint(segment, "size", race.segment_size, doc);
  expect_access(member(v, "current", doc), race.current, doc);
  expect_access(member(v, "previous", doc), race.previous, doc);
  expect_stack(member(member(v, "location", doc), "stack", doc), race.where, doc);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FuzzedDataProvider in(data, size);
  PrintedRace race;
  race.detector_pid = in.ConsumeIntegral<uint32_t>();
  race.segment = any_string(in);
  race.segment_size = in.ConsumeIntegral<uint64_t>();
  race.segment_is_object = in.ConsumeBool();
  race.segment_id = in.ConsumeIntegral<uint64_t>();
  race.segment_key = in.ConsumeIntegral<uint64_t>();
  race.current = any_access(in, false);
  race.previous = any_access(in, true);
  race.where_pid = in.ConsumeIntegral<uint32_t>();
  race.where_tid = in.ConsumeIntegral<uint32_t>();
  race.where = any_stack(in);
  const std::string prefix = in.ConsumeRandomLengthString(16);

  const std::string text = format_race(race, prefix);
  const std::string rule = "==================\n";
  if (text.compare(0, rule.size(), rule) != 0 || text.size() < 2 * rule.size() ||
      text.compare(text.size() - rule.size(), rule.size(), rule) != 0)
    broken("the text report lost its rules", text);
  if (text.find("\nSUMMARY: shmcheck: data race ") == std::string::npos)
    broken("the text report lost its summary", text);

  const std::string record = race_record(race);
  if (record.empty() || record.back() != '\n' || record.find('\n') != record.size() - 1)
    broken("the record is not one line", record);
  JsonValue parsed;
  std::string error;
  if (!parse_json(record, parsed, &error))
    broken(("record does not parse: " + error).c_str(), record);
  if (parsed.string_or("record") != "race" || parsed.uint_or("format", 0) != kRecordFormat)
    broken("record kind", record);
  expect_race(parsed, race, record);

  JsonWriter indented(2);
  indented.begin_object();
  write_race_members(indented, race);
  indented.end_object();
  const std::string document = indented.take();
  if (!parse_json(document, parsed, &error))
    broken(("document does not parse: " + error).c_str(), document);
  expect_race(parsed, race, document);

  ProcessFacts process{race.detector_pid, race.where_pid, race.segment_size, any_string(in),
                       any_string(in)};
  const std::string process_line = process_record(process);
  if (!parse_json(process_line, parsed, &error))
    broken("process record does not parse", process_line);
  expect_string(member(parsed, "executable", process_line), process.executable, process_line);
  return 0;
}
