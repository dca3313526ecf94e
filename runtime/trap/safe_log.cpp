#include "trap/safe_log.h"

#include <sys/syscall.h>

#include "trap/raw_syscall.h"

namespace shmcheck::trap {

SafeLine::SafeLine() { text("shmcheck: "); }

void SafeLine::put(char c) {
  // Keep one byte for the newline.
  if (length_ + 1 < sizeof(buffer_))
    buffer_[length_++] = c;
}

SafeLine &SafeLine::text(const char *s) {
  while (s && *s)
    put(*s++);
  return *this;
}

SafeLine &SafeLine::dec(int64_t value) {
  char digits[24];
  size_t n = 0;
  uint64_t magnitude = value < 0 ? 0 - static_cast<uint64_t>(value)
                                 : static_cast<uint64_t>(value);
  do {
    digits[n++] = static_cast<char>('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude != 0);
  if (value < 0)
    put('-');
  while (n > 0)
    put(digits[--n]);
  return *this;
}

SafeLine &SafeLine::hex(uint64_t value) {
  static const char kDigits[] = "0123456789abcdef";
  put('0');
  put('x');
  bool started = false;
  for (int shift = 60; shift >= 0; shift -= 4) {
    unsigned nibble = (value >> shift) & 0xf;
    if (nibble != 0 || started || shift == 0) {
      put(kDigits[nibble]);
      started = true;
    }
  }
  return *this;
}

void SafeLine::emit() {
  buffer_[length_++] = '\n';
  raw_syscall(SYS_write, 2, reinterpret_cast<long>(buffer_),
              static_cast<long>(length_));
  length_ = 0;
}

}  // namespace shmcheck::trap
