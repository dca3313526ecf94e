// The process-local side of the core: what this process knows about itself,
// its threads, and its mappings of the shared objects. Internal to the core
// and to the report writer; front ends only see core_api.h.
#pragma once

#include <atomic>
#include <cstdint>
#include <sys/types.h>

#include "core_api.h"
#include "options.h"
#include "shared_layout.h"

namespace shmcheck::core {

inline constexpr uint32_t kMaxHeldLocks = kSlotHeldLocks;

struct HeldLock {
  SyncKey key;
  bool shared;
};

inline constexpr uint32_t kContextCacheSize = 16;  // a power of two

struct CachedContext {
  uint64_t key;  // hash of the raw stack, locks, type and size; 0 = empty
  uint32_t ctx;
};

// One registered thread. Indexed by its shared slot, which it owns alone.
struct ThreadState {
  bool in_use;
  uint32_t slot;
  ThreadSlotShm *shm;  // its vector clock lives in the shared state
  pid_t tid;
  HeldLock locks[kMaxHeldLocks];
  uint32_t nlocks;
  uint64_t locks_hash;  // of locks[0, nlocks): part of the context cache key
  // Context ids of recent accesses, reused while their context is the same
  // (same stack, locks, type and size): a loop that reads and writes under a
  // lock it takes and drops every iteration keeps finding its few contexts
  // here, so the history ring does not churn and the depot is not searched.
  CachedContext contexts[kContextCacheSize];
  // A plain load of a sync word acquires only after it read its value: the
  // location waits here for access_completed(), else for the thread's next
  // access or release (instrumented mode is called before the load).
  bool acquire_pending;
  SegmentRef pending_segment;
  uint64_t pending_offset;

  Clock own_clock() const { return shm->vc.c[slot]; }
};

// This process's mapping of one segment's shadow object.
//
// The shadow of a POSIX object can grow while this process uses it: the
// mapping sits at the start of a larger reservation of address space and
// grows in place, so `words` never moves, and `size` (read without a lock,
// also in signal handlers) is published only after the words it covers are
// mapped.
struct LocalSegment {
  std::atomic<ShadowHeaderShm *> shadow;  // null when not mapped here
  ShadowWordShm *words;
  uint32_t chunk_shift;  // copied from the header when mapped
  char name[160];        // of the shadow object, to commit chunks of it
  std::atomic<uint64_t> size;
  uint64_t map_size;
  uint64_t reserved;  // address space held from `shadow` on, >= map_size
  uint32_t generation;
  uint32_t attach_count;  // attachments in this process
};

struct Runtime {
  std::atomic<bool> enabled;
  bool started;
  bool options_parsed;
  Options options;
  SharedStateShm *state;
  char state_name[96];  // "/shmcheck-<uid>-<session>", state_location.h
  pid_t pid;
  uint32_t process_index;
  uint64_t incarnation;
  uint64_t start_time;
  std::atomic<bool> reported_race;
  // plain_loads_are_exact(): atomic_plain_loads does not apply here.
  bool exact_plain_loads;
  std::atomic<uint32_t> reported_count;
  ThreadState threads[kMaxSlots];
  LocalSegment segments[kMaxSegments];
};

extern Runtime g_runtime;

// Shorthands used across the core.
inline SharedStateShm &state() { return *g_runtime.state; }
inline uint32_t clock_width() {
  uint32_t hw = g_runtime.state->header.slots_high_water.load(std::memory_order_acquire);
  return hw > kMaxSlots ? kMaxSlots : hw;
}

// Forgets the report writer's per-process state (fork child).
void reset_report_writer();

// Writes one diagnostic line "shmcheck: ..." to stderr (async-signal-safe).
void print_error(const char *line);

}  // namespace shmcheck::core
