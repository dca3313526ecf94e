// "/proc/..." paths with a number in them, built without stdio or
// allocation: they are made in signal handlers and in the fault handler.
#pragma once

#include <cstddef>

namespace shmcheck::core {

// `head`, `number` in decimal, then `tail`, into `out`; cut to fit.
template <size_t N>
void proc_path(char (&out)[N], const char *head, unsigned number, const char *tail = "") {
  static_assert(N > 0);
  size_t at = 0;
  for (; *head != '\0' && at + 1 < N; ++head) out[at++] = *head;
  char digits[10];
  int count = 0;
  do {
    digits[count++] = static_cast<char>('0' + number % 10);
    number /= 10;
  } while (number != 0);
  while (count > 0 && at + 1 < N) out[at++] = digits[--count];
  for (; *tail != '\0' && at + 1 < N; ++tail) out[at++] = *tail;
  out[at] = '\0';
}

}  // namespace shmcheck::core
