// __tsan_init, the shadow stack hooks and the per-thread ignore switch.
#include "instrument/instrumented_mode.h"
#include "instrument/shadow_stack.h"
#include "interpose/interceptor.h"

using namespace shmcheck::instrument;

// Called by every instrumented module's constructor, before its code runs.
SHMCHECK_INTERCEPTOR void __tsan_init() { enter_instrumented_mode(); }

SHMCHECK_INTERCEPTOR void __tsan_func_entry(void *caller_pc) {
  push_frame(reinterpret_cast<uintptr_t>(caller_pc));
}

SHMCHECK_INTERCEPTOR void __tsan_func_exit() { pop_frame(); }

// Between begin and end the thread's accesses and atomic edges are not
// recorded (the compiler brackets code that must not be checked; nesting
// counts).
SHMCHECK_INTERCEPTOR void __tsan_ignore_thread_begin() {
  ++t_shadow_stack.ignored;
}

SHMCHECK_INTERCEPTOR void __tsan_ignore_thread_end() {
  if (t_shadow_stack.ignored != 0)
    --t_shadow_stack.ignored;
}
