// Machine-readable records: the same facts as the text report, as JSON.
//
// With report_json=PATH every checked process appends one JSON object per
// line to PATH.<pid>:
//   {"record":"process", ...}  when it starts checking (also after fork/exec)
//   {"record":"segment", ...}  for every attachment of a watched segment
//   {"record":"race", ...}     for every race report it writes
//   {"record":"exit", ...}     when it leaves normally
// Start and segment records are written when they happen, so a process
// killed by a signal is still counted. Pure formatting, no I/O; the launcher
// writes its --json file with the same functions.
#pragma once

#include <cstdint>
#include <string>

#include "json_writer.h"
#include "report_format.h"

namespace shmcheck::report {

// Bumped when a record changes incompatibly.
inline constexpr int kRecordFormat = 1;

struct ProcessFacts {
  uint32_t pid = 0;
  uint32_t ppid = 0;
  uint64_t start_time = 0;  // with pid, identifies the process across exec
  std::string executable;
  std::string session;
};

struct SegmentFacts {
  uint32_t pid = 0;  // the attaching process
  bool is_object = false;
  uint64_t id = 0;
  uint64_t key = 0;
  uint64_t size = 0;
};

struct ExitFacts {
  uint32_t pid = 0;
  uint64_t start_time = 0;
  uint64_t races_reported = 0;
  uint64_t races_suppressed = 0;
  uint64_t state_peak_bytes = 0;  // of the session's shared state, so far
};

// Each returns one line, newline included.
std::string race_record(const PrintedRace &race);
std::string process_record(const ProcessFacts &facts);
std::string segment_record(const SegmentFacts &facts);
std::string exit_record(const ExitFacts &facts);

// The members of a race object (between begin_object and end_object):
// pid, summary, segment, offset, current, previous, location.
void write_race_members(JsonWriter &out, const PrintedRace &race);

// {"kind":"sysv","shmid":..,"key":..,"size":..} or
// {"kind":"object","dev":..,"inode":..,"size":..}
void write_segment(JsonWriter &out, bool is_object, uint64_t id, uint64_t key, uint64_t size);

}  // namespace shmcheck::report
