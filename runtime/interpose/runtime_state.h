// Whether this process is being checked, and whether the calling thread is
// already inside the runtime.
//
// The core uses libc too (pthread_mutex_lock on its own robust mutexes,
// pthread_sigmask, fork for the symbolizer, write for reports): those calls
// come back through our interceptors and must go straight to libc, so every
// call into the core is wrapped in a RuntimeScope.
#pragma once

#include "syscall/dispatch_switch.h"

namespace shmcheck::interpose {

// True after core::process_start succeeded and until the process exits.
bool checking();

// Set by the constructor and by process exit; see process_lifetime.cpp.
void set_checking(bool on);

extern __thread int t_runtime_depth __attribute__((tls_model("initial-exec")));

inline bool in_runtime() { return t_runtime_depth > 0; }

// An interceptor should translate the call into core events.
inline bool should_check() { return !in_runtime() && checking(); }

// Inside a scope the thread's system calls are not dispatched (they are the
// runtime's own); see syscall/dispatch_switch.h.
class RuntimeScope {
 public:
  RuntimeScope() {
    ++t_runtime_depth;
    syscall::t_selector = syscall::kSelectorAllow;
  }
  ~RuntimeScope() {
    if (--t_runtime_depth == 0)
      syscall::t_selector = syscall::application_selector();
  }
  RuntimeScope(const RuntimeScope &) = delete;
  RuntimeScope &operator=(const RuntimeScope &) = delete;
};

}  // namespace shmcheck::interpose
