// A line formatter for diagnostics printed from signal handlers and
// interceptors: fixed buffer on the stack, one write(2) per line, no malloc,
// no stdio, no locks.
#pragma once

#include <cstddef>
#include <cstdint>

namespace shmcheck::trap {

class SafeLine {
 public:
  SafeLine();
  SafeLine &text(const char *s);
  SafeLine &dec(int64_t value);
  SafeLine &hex(uint64_t value);
  // Writes the line (with a trailing newline) to stderr.
  void emit();

 private:
  void put(char c);
  char buffer_[256];
  size_t length_ = 0;
};

}  // namespace shmcheck::trap
