// Whether this process runs compiler-instrumented code.
//
// Code built with -fsanitize=thread calls __tsan_init from its module
// constructor before it runs. From then on every access the program makes
// reaches the runtime through the instrumentation entry points, so the page
// traps are not armed: shared memory stays readable and writable, attached
// without an alias, and a trap never fires for it.
#pragma once

#include <atomic>

namespace shmcheck::instrument {

extern std::atomic<bool> g_instrumented;

inline bool instrumented() {
  return g_instrumented.load(std::memory_order_relaxed);
}

// Called by __tsan_init (every instrumented module calls it; only the first
// call does anything). Attachments made before it, if any, are disarmed:
// their views get the application's protection back.
void enter_instrumented_mode();

}  // namespace shmcheck::instrument
