// A libc call that the kernel's synchronisation cares about, reported to
// runtime/kernel_sync as the system call it makes: before_call() when it is
// built, after_call() with the result in the kernel's convention (-errno)
// when the interceptor hands the result back. errno is left as libc set it.
//
// A thread whose system calls are dispatched (runtime/syscall) reports
// nothing here: the call libc makes reaches the boundary, which reports it,
// and reporting it twice would count a file lock as taken twice.
#pragma once

#include <cerrno>

#include "interpose/runtime_state.h"
#include "kernel_sync/syscall_sync.h"
#include "syscall/dispatch_switch.h"

namespace shmcheck::interpose {

class KernelCall {
 public:
  KernelCall(long number, long a0 = 0, long a1 = 0, long a2 = 0, long a3 = 0, long a4 = 0,
             long a5 = 0)
      : call_{number, {a0, a1, a2, a3, a4, a5}},
        reported_(!(syscall::t_armed && !in_runtime())) {
    if (reported_)
      kernel_sync::before_call(call_);
  }
  KernelCall(const KernelCall &) = delete;
  KernelCall &operator=(const KernelCall &) = delete;

  // libc's convention: -1 and errno on failure.
  template <typename T>
  T returned(T rc) {
    const int saved = errno;
    if (reported_)
      kernel_sync::after_call(call_, rc == static_cast<T>(-1) ? -saved : static_cast<long>(rc));
    errno = saved;
    return rc;
  }

  // pthread's convention: 0, or the error number itself.
  int returned_error(int rc) {
    const int saved = errno;
    if (reported_)
      kernel_sync::after_call(call_, rc == 0 ? 0 : -static_cast<long>(rc));
    errno = saved;
    return rc;
  }

  // The result in the kernel's convention already.
  void returned_raw(long result) {
    if (reported_)
      kernel_sync::after_call(call_, result);
  }

 private:
  kernel_sync::SystemCall call_;
  bool reported_;
};

}  // namespace shmcheck::interpose
