// Suppressions in ThreadSanitizer's syntax, one per line:
//
//   race:PATTERN       a race any of whose frames (either access) matches:
//                      the function, the source file or the module
//   race_top:PATTERN   the same, but only the top frame of each access
//   # comment          (also blank lines)
//
// A pattern matches anywhere in the text unless anchored with '^' (start)
// or '$' (end); '*' matches any run of characters. Lines of TSan's other
// types (thread, mutex, signal, deadlock, called_from_lib) are accepted and
// ignored, so a TSan suppressions file can be reused as it is.
//
// Pure parsing and matching: used by the runtime (reports about to be
// written) and by the launcher (to reject a bad file before running).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "report_format.h"

namespace shmcheck::report {

enum class SuppressionKind { Race, RaceTop };

struct Suppression {
  SuppressionKind kind;
  std::string pattern;  // as written, for messages
  std::string source;   // where it came from: "file 'x.supp'" or a hook's name
  unsigned line;
};

// True when `pattern` (with '*', '^', '$') matches `text`.
bool pattern_matches(std::string_view pattern, std::string_view text);

// A suppressions file holds at most this much (a real one is a few KiB).
inline constexpr size_t kMaxSuppressionsBytes = 1 << 20;

// Reads a suppressions file: a regular file of at most
// kMaxSuppressionsBytes (a device such as /dev/zero, a FIFO or a directory
// is refused at once). On failure sets `reason` and returns false.
bool read_suppressions_file(const std::string &path, std::string &text, std::string *reason);

class SuppressionList {
 public:
  // Adds the suppressions in `text`; `source` names it in error messages
  // ("suppressions 'x.supp'"). On a malformed line, sets `error` to
  // "<source> line N: <problem>", adds nothing, and returns false.
  bool parse(std::string_view text, const std::string &source, std::string *error);

  // Reads and parses a file. Errors: "cannot read suppressions '<path>':
  // <reason>" or a parse error.
  bool load_file(const std::string &path, std::string *error);

  // Index of the first suppression that matches `race`, or -1.
  int match(const PrintedRace &race) const;

  const std::vector<Suppression> &entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }

 private:
  std::vector<Suppression> entries_;
};

}  // namespace shmcheck::report
