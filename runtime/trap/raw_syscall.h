// System calls made without libc, for code that runs in signal handlers or
// while the runtime's own interceptors are on the call path: no errno, no
// cancellation points, no wrapper that could itself be interposed.
#pragma once

namespace shmcheck::trap {

// Returns the kernel's result: >= 0 on success, -errno on failure.
inline long raw_syscall(long number, long a = 0, long b = 0, long c = 0,
                        long d = 0, long e = 0, long f = 0) {
  long result;
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  __asm__ volatile("syscall"
                   : "=a"(result)
                   : "a"(number), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8),
                     "r"(r9)
                   : "rcx", "r11", "memory");
  return result;
}

}  // namespace shmcheck::trap
