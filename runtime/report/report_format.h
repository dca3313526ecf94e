// The text of one race report, from already symbolized parts. Pure
// formatting (no I/O), so the exact shape is tested directly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace shmcheck::report {

struct PrintedFrame {
  std::string function;  // empty: unknown
  std::string file;      // empty: unknown
  unsigned line = 0;
  unsigned column = 0;
  std::string module;    // basename; empty: unknown (then `address` is absolute)
  uint64_t address = 0;  // module offset, or absolute pc
};

struct PrintedAccess {
  bool known = true;        // false: the earlier access's history was overwritten
  std::string kind;         // "write", "read", "atomic write", "atomic read"
  uint64_t size = 0;
  uint64_t offset = 0;
  uint32_t pid = 0;
  uint32_t tid = 0;
  std::vector<std::string> locks;  // "write shmid=5+0x40", ...
  std::vector<PrintedFrame> stack;
  // Printed instead of an empty stack: why it is missing.
  std::string stack_missing = "<stack not recorded>";
};

struct PrintedRace {
  uint32_t detector_pid = 0;
  std::string segment;  // "segment shmid=5 key=0x2a"
  uint64_t segment_size = 0;
  // The segment's identity, for machine-readable records: a System V
  // segment (id = shmid, key = IPC key) or a shared object (id = st_dev,
  // key = st_ino).
  bool segment_is_object = false;
  uint64_t segment_id = 0;
  uint64_t segment_key = 0;
  PrintedAccess current;
  PrintedAccess previous;
  uint32_t where_pid = 0;  // 0: unknown
  uint32_t where_tid = 0;
  std::vector<PrintedFrame> where;
};

// The TSan-shaped block, ending with a newline.
std::string format_race(const PrintedRace &race, const std::string &strip_path_prefix);

// Whether a frame is in the program's own code: not in the C library, the
// dynamic loader, the C++ runtime libraries or shmcheck's runtime (judged
// by the module's name), as TSan skips its own frames.
bool is_program_frame(const PrintedFrame &frame);

// The frame a report is about: the first in the program's own code, else
// the top frame; nullptr for an empty stack.
const PrintedFrame *program_frame(const std::vector<PrintedFrame> &stack);

// The SUMMARY line's subject, from program_frame(): "file:line in function",
// or "function (module+0x...)" without line information.
std::string summary_location(const std::vector<PrintedFrame> &stack,
                             const std::string &strip_path_prefix);

}  // namespace shmcheck::report
