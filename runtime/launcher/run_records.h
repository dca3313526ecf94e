// Reading back what the checked processes wrote with report_json: every
// <prefix>.<pid> file in the launcher's private directory, merged into one
// view of the run (see runtime/report/race_record.h for the records).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <sys/types.h>

#include "json_value.h"
#include "report_format.h"

namespace shmcheck::launcher {

struct CheckedProcess {
  uint32_t pid = 0;
  uint32_t ppid = 0;
  uint64_t start_time = 0;
  std::string executable;  // the last image (after exec)
  bool exited = false;     // left normally (wrote its exit record)
};

struct SegmentSeen {
  bool is_object = false;
  uint64_t id = 0;
  uint64_t key = 0;
  uint64_t size = 0;
};

struct RunRecords {
  std::vector<CheckedProcess> processes;   // one per process, exec'd images merged
  std::vector<SegmentSeen> segments;       // one per segment
  std::vector<report::PrintedRace> races;  // de-duplicated, in a stable order
  uint64_t races_suppressed = 0;           // as counted by processes that exited
  uint64_t state_peak_bytes = 0;           // the shared state's peak size
  std::vector<std::string> problems;       // unreadable files, malformed lines
};

// Reads every "<prefix>.<pid>" file in `dir`. Process and segment records
// of `own_pid` (the launcher, when it collected leftovers of killed
// processes) are not part of the run; its races and suppression counts are.
RunRecords read_run_records(const std::string &dir, const std::string &prefix, pid_t own_pid);

// Merges record files one by one (read_run_records uses it; tests feed it
// text directly).
class RecordMerger {
 public:
  explicit RecordMerger(pid_t own_pid) : own_pid_(static_cast<uint32_t>(own_pid)) {}
  // The records in `text`, one JSON object per line; `name` names the text
  // in problems.
  void add(const std::string &text, const std::string &name);
  // De-duplicates the races and puts everything in a stable order.
  RunRecords finish();

 private:
  uint32_t own_pid_;
  RunRecords run_;
  std::map<std::pair<uint32_t, uint64_t>, CheckedProcess> processes_;  // (pid, start time)
  std::set<std::tuple<bool, uint64_t, uint64_t>> segment_ids_;
};

// A race record's fields back into the structure the text report prints.
bool decode_race(const JsonValue &record, report::PrintedRace &race);

// Same pair of source lines (in either order) = same race, as the runtime
// de-duplicates.
std::string race_identity(const report::PrintedRace &race);

// "segment shmid=5 key=0x2a" or "shared object dev=0x.. ino=..".
std::string segment_description(const report::PrintedRace &race);

}  // namespace shmcheck::launcher
