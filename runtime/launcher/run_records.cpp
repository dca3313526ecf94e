#include "run_records.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <tuple>

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

namespace shmcheck::launcher {
namespace {

bool read_file(const std::string &path, std::string &text, std::string *error) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = strerror(errno);
    return false;
  }
  char buffer[65536];
  for (;;) {
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) *error = strerror(errno);
    if (n <= 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  return error->empty();
}

report::PrintedFrame decode_frame(const JsonValue &v) {
  report::PrintedFrame f;
  f.function = v.string_or("function");
  f.file = v.string_or("file");
  f.line = static_cast<unsigned>(v.uint_or("line"));
  f.column = static_cast<unsigned>(v.uint_or("column"));
  f.module = v.string_or("module");
  f.address = f.module.empty() ? v.uint_or("pc") : v.uint_or("module_offset");
  return f;
}

std::vector<report::PrintedFrame> decode_stack(const JsonValue *v) {
  std::vector<report::PrintedFrame> stack;
  if (v == nullptr) return stack;
  for (const JsonValue &frame : v->items())
    if (frame.is_object()) stack.push_back(decode_frame(frame));
  return stack;
}

bool decode_access(const JsonValue *v, report::PrintedAccess &a) {
  if (v == nullptr || !v->is_object()) return false;
  a.known = v->bool_or("known", true);
  a.kind = v->string_or("access", "access");
  a.offset = v->uint_or("offset");
  a.size = v->uint_or("size");
  a.pid = static_cast<uint32_t>(v->uint_or("pid"));
  a.tid = static_cast<uint32_t>(v->uint_or("thread"));
  if (const JsonValue *locks = v->get("locks"))
    for (const JsonValue &lock : locks->items())
      if (auto text = lock.as_string()) a.locks.push_back(*text);
  a.stack = decode_stack(v->get("stack"));
  if (a.stack.empty()) a.stack_missing = v->string_or("stack_missing", a.stack_missing);
  return true;
}

bool decode_segment(const JsonValue *v, bool &is_object, uint64_t &id, uint64_t &key,
                    uint64_t &size) {
  if (v == nullptr || !v->is_object()) return false;
  is_object = v->string_or("kind") == "object";
  id = is_object ? v->uint_or("dev") : v->uint_or("shmid");
  key = is_object ? v->uint_or("inode") : v->uint_or("key");
  size = v->uint_or("size");
  return true;
}

std::string line_of(const std::vector<report::PrintedFrame> &stack) {
  for (const report::PrintedFrame &f : stack)
    if (!f.file.empty()) return fmt::format("{}:{}", f.file, f.line);
  if (!stack.empty()) return fmt::format("{}+0x{:x}", stack[0].module, stack[0].address);
  return "?";
}

}  // namespace

std::string segment_description(const report::PrintedRace &race) {
  if (race.segment_is_object)
    return fmt::format("shared object dev=0x{:x} ino={}", race.segment_id, race.segment_key);
  return fmt::format("segment shmid={} key=0x{:x}", race.segment_id, race.segment_key);
}

bool decode_race(const JsonValue &record, report::PrintedRace &race) {
  race = report::PrintedRace();
  race.detector_pid = static_cast<uint32_t>(record.uint_or("pid"));
  if (!decode_segment(record.get("segment"), race.segment_is_object, race.segment_id,
                      race.segment_key, race.segment_size))
    return false;
  race.segment = segment_description(race);
  if (!decode_access(record.get("current"), race.current)) return false;
  if (!decode_access(record.get("previous"), race.previous)) return false;
  if (const JsonValue *where = record.get("location")) {
    race.where_pid = static_cast<uint32_t>(where->uint_or("pid"));
    race.where_tid = static_cast<uint32_t>(where->uint_or("thread"));
    race.where = decode_stack(where->get("stack"));
  }
  return true;
}

std::string race_identity(const report::PrintedRace &race) {
  std::string a = line_of(race.current.stack);
  std::string b = race.previous.known ? line_of(race.previous.stack) : "?";
  if (b < a) std::swap(a, b);
  return a + "\n" + b;
}

void RecordMerger::add(const std::string &text, const std::string &name) {
  size_t number = 0;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    ++number;
    if (line.empty()) continue;
    JsonValue record;
    std::string error;
    if (!parse_json(line, record, &error) || !record.is_object()) {
      run_.problems.push_back(fmt::format("{} line {}: not a JSON object ({})", name, number,
                                          error.empty() ? "wrong type" : error));
      continue;
    }
    std::string kind = record.string_or("record");
    uint32_t pid = static_cast<uint32_t>(record.uint_or("pid"));
    uint64_t start_time = record.uint_or("start_time");
    if (kind == "race") {
      report::PrintedRace race;
      if (decode_race(record, race))
        run_.races.push_back(std::move(race));
      else
        run_.problems.push_back(fmt::format("{} line {}: incomplete race record", name, number));
    } else if (pid == own_pid_) {
      // The launcher's own registration while collecting leftovers is not
      // part of the run; what it suppressed among them is.
      if (kind == "exit") run_.races_suppressed += record.uint_or("races_suppressed");
    } else if (kind == "process") {
      CheckedProcess &p = processes_[{pid, start_time}];
      p.pid = pid;
      p.ppid = static_cast<uint32_t>(record.uint_or("ppid"));
      p.start_time = start_time;
      p.executable = record.string_or("executable");
    } else if (kind == "segment") {
      SegmentSeen s;
      if (decode_segment(record.get("segment"), s.is_object, s.id, s.key, s.size) &&
          segment_ids_.insert({s.is_object, s.id, s.key}).second)
        run_.segments.push_back(s);
    } else if (kind == "exit") {
      CheckedProcess &p = processes_[{pid, start_time}];
      p.pid = pid;
      p.start_time = start_time;
      p.exited = true;
      run_.races_suppressed += record.uint_or("races_suppressed");
      run_.state_peak_bytes = std::max(run_.state_peak_bytes, record.uint_or("state_peak_bytes"));
    }
    // Other record kinds come from a newer runtime: skipped.
  }
}

RunRecords RecordMerger::finish() {
  for (auto &entry : processes_) run_.processes.push_back(entry.second);
  processes_.clear();

  std::set<std::string> seen;
  std::vector<report::PrintedRace> unique;
  for (report::PrintedRace &race : run_.races)
    if (seen.insert(race_identity(race)).second) unique.push_back(std::move(race));
  auto order = [](const report::PrintedRace &r) {
    return std::make_tuple(line_of(r.current.stack), line_of(r.previous.stack), r.detector_pid);
  };
  std::stable_sort(unique.begin(), unique.end(),
                   [&](const report::PrintedRace &x, const report::PrintedRace &y) {
                     return order(x) < order(y);
                   });
  run_.races = std::move(unique);
  std::sort(run_.segments.begin(), run_.segments.end(),
            [](const SegmentSeen &x, const SegmentSeen &y) {
              return std::tie(x.is_object, x.id, x.key) < std::tie(y.is_object, y.id, y.key);
            });
  return std::move(run_);
}

RunRecords read_run_records(const std::string &dir, const std::string &prefix, pid_t own_pid) {
  RecordMerger merger(own_pid);
  std::vector<std::string> names;
  std::vector<std::string> problems;
  if (DIR *d = opendir(dir.c_str())) {
    while (struct dirent *e = readdir(d)) {
      std::string name = e->d_name;
      if (name.size() > prefix.size() + 1 && name.compare(0, prefix.size() + 1, prefix + ".") == 0)
        names.push_back(name);
    }
    closedir(d);
  } else {
    problems.push_back(fmt::format("cannot read '{}': {}", dir, strerror(errno)));
  }
  std::sort(names.begin(), names.end());
  for (const std::string &name : names) {
    std::string text, error;
    if (!read_file(dir + "/" + name, text, &error)) {
      problems.push_back(fmt::format("cannot read '{}': {}", name, error));
      continue;
    }
    merger.add(text, name);
  }
  RunRecords run = merger.finish();
  run.problems.insert(run.problems.begin(), problems.begin(), problems.end());
  return run;
}

}  // namespace shmcheck::launcher

