// How an instrumented access reaches the core.
//
// The entry points first ask maybe_shared(): one comparison against a range
// covering every attached segment, which dismisses private memory (stack,
// heap, globals) at once. Only what passes goes to the slow path, which
// finds the segment (the thread's last one first), captures the shadow
// stack and calls core::access with the same segment and offset the trap
// front end would use.
#pragma once

#include <cstdint>

#include "core/core_api.h"
#include "trap/attachment_table.h"

namespace shmcheck::instrument {

inline bool maybe_shared(const volatile void *address) {
  return trap::maybe_watched(reinterpret_cast<uintptr_t>(address));
}

// True when [address, address + size) may overlap a segment.
inline bool maybe_shared_range(const volatile void *address, uint64_t size) {
  const auto a = reinterpret_cast<uintptr_t>(address);
  const uintptr_t lo =
      trap::g_watched_bounds.lo.load(std::memory_order_relaxed);
  const uintptr_t hi =
      trap::g_watched_bounds.hi.load(std::memory_order_relaxed);
  return size != 0 && a < hi && lo < a + size;
}

// Where an address lies in shared memory.
struct SharedPlace {
  core::SegmentRef segment;
  uint64_t offset;     // from the start of the segment
  uint64_t remaining;  // bytes of the segment in this attachment from there
  uintptr_t alias;     // the same byte in the unprotected alias view (0: none)
  int prot;            // what the application may do there (PROT_* bits)
};

// The segment holding `address`, if it is in a watched attachment (and
// inside the segment's size, not in the tail of its last page).
bool find_shared(uintptr_t address, SharedPlace *place);

// Slow paths of the entry points; `pc` is the entry point's return address.
// Do nothing while the thread is inside the runtime or ignored, or checking
// is off. An access that runs past the end of its segment is clipped.
void record_access(uintptr_t address, uint64_t size, core::AccessType type,
                   uintptr_t pc);
// A range (memcpy, read_range...): pieces in several attachments each go
// to the core.
void record_range(uintptr_t address, uint64_t size, core::AccessType type,
                  uintptr_t pc);

// The calling thread, when its accesses should be recorded now.
core::ThreadState *recording_thread();

// The fast path's last step, shared by every front end that found the place
// itself: one access (clipped to the segment) with a stack the caller
// captured. Trap mode's patched sites come here with their unwound stack.
void record_at(core::ThreadState *thread, const SharedPlace &place,
               uint64_t size, core::AccessType type, core::MemoryOrder order,
               const core::StackTrace &stack);

}  // namespace shmcheck::instrument
