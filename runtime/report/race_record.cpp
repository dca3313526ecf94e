#include "race_record.h"

namespace shmcheck::report {
namespace {

void write_frame(JsonWriter &out, const PrintedFrame &f) {
  out.begin_object();
  if (!f.function.empty()) out.member("function", f.function);
  if (!f.file.empty()) {
    out.member("file", f.file);
    out.member("line", f.line);
    if (f.column != 0) out.member("column", f.column);
  }
  if (!f.module.empty()) {
    out.member("module", f.module);
    out.member("module_offset", f.address);
  } else {
    out.member("pc", f.address);
  }
  out.end_object();
}

void write_stack(JsonWriter &out, const std::vector<PrintedFrame> &stack) {
  out.begin_array();
  for (const PrintedFrame &f : stack) write_frame(out, f);
  out.end_array();
}

void write_access(JsonWriter &out, const PrintedAccess &a) {
  out.begin_object();
  out.member("known", a.known);
  out.member("access", a.kind);
  out.member("offset", a.offset);
  if (a.known) {
    out.member("size", a.size);
    out.member("pid", a.pid);
    out.member("thread", a.tid);
    out.key("locks").begin_array();
    for (const std::string &lock : a.locks) out.value(lock);
    out.end_array();
    out.key("stack");
    write_stack(out, a.stack);
    if (a.stack.empty()) out.member("stack_missing", a.stack_missing);
  }
  out.end_object();
}

std::string finish_line(JsonWriter &out) {
  std::string line = out.take();
  line += '\n';
  return line;
}

void begin_record(JsonWriter &out, const char *kind) {
  out.begin_object();
  out.member("record", kind);
  out.member("format", kRecordFormat);
}

}  // namespace

void write_segment(JsonWriter &out, bool is_object, uint64_t id, uint64_t key, uint64_t size) {
  out.begin_object();
  if (is_object) {
    out.member("kind", "object");
    out.member("dev", id);
    out.member("inode", key);
  } else {
    out.member("kind", "sysv");
    out.member("shmid", id);
    out.member("key", key);
  }
  out.member("size", size);
  out.end_object();
}

void write_race_members(JsonWriter &out, const PrintedRace &race) {
  out.member("pid", race.detector_pid);
  out.member("summary", summary_location(race.current.stack, ""));
  out.key("segment");
  write_segment(out, race.segment_is_object, race.segment_id, race.segment_key,
                race.segment_size);
  out.member("offset", race.current.offset);
  out.key("current");
  write_access(out, race.current);
  out.key("previous");
  write_access(out, race.previous);
  out.key("location").begin_object();
  if (race.where_pid != 0) {
    out.member("pid", race.where_pid);
    out.member("thread", race.where_tid);
  }
  out.key("stack");
  write_stack(out, race.where);
  out.end_object();
}

std::string race_record(const PrintedRace &race) {
  JsonWriter out;
  begin_record(out, "race");
  write_race_members(out, race);
  out.end_object();
  return finish_line(out);
}

std::string process_record(const ProcessFacts &facts) {
  JsonWriter out;
  begin_record(out, "process");
  out.member("pid", facts.pid);
  out.member("ppid", facts.ppid);
  out.member("start_time", facts.start_time);
  out.member("executable", facts.executable);
  out.member("session", facts.session);
  out.end_object();
  return finish_line(out);
}

std::string segment_record(const SegmentFacts &facts) {
  JsonWriter out;
  begin_record(out, "segment");
  out.member("pid", facts.pid);
  out.key("segment");
  write_segment(out, facts.is_object, facts.id, facts.key, facts.size);
  out.end_object();
  return finish_line(out);
}

std::string exit_record(const ExitFacts &facts) {
  JsonWriter out;
  begin_record(out, "exit");
  out.member("pid", facts.pid);
  out.member("start_time", facts.start_time);
  out.member("races_reported", facts.races_reported);
  out.member("races_suppressed", facts.races_suppressed);
  out.member("state_peak_bytes", facts.state_peak_bytes);
  out.end_object();
  return finish_line(out);
}

}  // namespace shmcheck::report
