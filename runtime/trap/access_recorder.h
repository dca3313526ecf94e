// Turns an access at an application address into core::access calls: the
// range is split over the watched attachments it touches (an address outside
// them is not shared memory and is ignored) and each piece is named by
// segment and offset.
#pragma once

#include <sys/ucontext.h>

#include <cstddef>
#include <cstdint>

#include "core/core_api.h"

namespace shmcheck::trap {

// What record_range passed to core::access, kept until the access has
// executed: a load takes its edge (core::access_completed) only after it has
// read the value.
struct RecordedAccess {
  core::SegmentRef segment;
  uint64_t offset;
  uint64_t size;
  core::AccessType type;
  core::MemoryOrder order;
  // An update of 1, 2, 4 or 8 bytes: where the alias shows the word, and
  // its value read there before the instruction ran (0 alias: not read).
  // With the value after, it tells the core whether a spinlock was taken.
  uintptr_t alias;
  uint64_t before;
  bool exchange;  // xchg or cmpxchg (set by the caller after record_range)
  // After it ran, the register holding the word's previous value (gregs
  // index, -1: none; for a cmpxchg only when ZF is set), which is exact
  // where `before` may have been changed by another process meanwhile.
  int previous_value_register;
  bool compare_exchange;
};
// Trivial so that it can live in thread-local storage: declare as `{}`.
struct RecordedAccesses {
  RecordedAccess items[8];
  size_t count;
};

// [signal-safe] Does nothing while the thread is inside the runtime, is not
// registered, or checking is off. Appends what it recorded to `recorded`.
void record_range(uintptr_t address, uint64_t size, core::AccessType type,
                  core::MemoryOrder order, const uintptr_t *frames,
                  size_t frame_count, RecordedAccesses *recorded);

// [signal-safe] Call once the recorded accesses have executed: loads take
// their acquire, updates report their values (core::atomic_update_done).
// `context`, when given, is the thread's state right after the instruction.
void complete_recorded(const RecordedAccesses &recorded,
                       const mcontext_t *context = nullptr);

// True when [address, address + size) overlaps a watched attachment.
bool touches_watched(uintptr_t address, uint64_t size);

}  // namespace shmcheck::trap
