// The calling context of instrumented code, kept by __tsan_func_entry and
// __tsan_func_exit: one store and one increment per call, so a stack costs
// nothing until an access to shared memory needs one.
//
// The frames form a ring indexed by depth: recursion deeper than the ring
// overwrites the outermost frames, never the innermost ones a report shows.
// A longjmp or an exception that skips __tsan_func_exit leaves the depth too
// high; reports then show stale outer frames, nothing worse.
#pragma once

#include <cstddef>
#include <cstdint>

namespace shmcheck::instrument {

inline constexpr uint32_t kShadowFrames = 64;  // a power of two

struct ShadowStack {
  uintptr_t frames[kShadowFrames];  // return addresses into the callers
  uint32_t depth;
  // __tsan_ignore_thread_begin and the mutex annotations' "inside the
  // mutex implementation" regions: accesses and atomic edges are skipped.
  uint32_t ignored;
};

extern __thread ShadowStack t_shadow_stack __attribute__((tls_model("initial-exec")));

inline void push_frame(uintptr_t return_address) {
  ShadowStack &s = t_shadow_stack;
  s.frames[s.depth & (kShadowFrames - 1)] = return_address;
  ++s.depth;
}

inline void pop_frame() {
  ShadowStack &s = t_shadow_stack;
  if (s.depth != 0)
    --s.depth;
}

// The stack of an access made at `pc` (a return address into the accessing
// function), innermost first: frames[0] points into the accessing call
// instruction, then the callers from the shadow stack. Returns the count.
size_t capture_stack(uintptr_t pc, uintptr_t *frames, size_t max);

}  // namespace shmcheck::instrument
