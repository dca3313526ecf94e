// Synchronisation words: which bytes of a segment have been updated by a
// locked instruction (trap mode) or an atomic read-modify-write (instrumented
// mode), and how plain accesses to them are typed.
//
// On x86-64 a plain store is a release store and a plain load an acquire load
// (TSO); C and C++ compilers emit exactly a plain `mov` for an atomic load, a
// release store, __sync_lock_release, and PostgreSQL's S_UNLOCK. A word that
// has been updated with a locked instruction is used for synchronisation, so
// its plain accesses are taken for the atomics they compile from. Words that
// are only ever read and written plainly stay data: a flag written with a
// plain store and polled with plain loads is indistinguishable from a racy
// one, and is reported.
//
// The set lives in the shared state (SyncWordTableShm), so a word updated in
// one process is a sync word for all of them. It only grows; when it is full
// further words are not recorded (counted): their plain accesses stay plain,
// which can report a race that an atomic would not have, never hide one.
//
// All functions are [signal-safe]: lock-free, no allocation.
#pragma once

#include <cstdint>

#include "core_api.h"
#include "core_state.h"

namespace shmcheck::core {

// Records bytes [offset, offset + size) of `segment` as a sync word.
void mark_sync_word(SegmentRef segment, uint64_t offset, uint64_t size);

// True when every byte of [offset, offset + size) is part of a sync word
// (an access that only partly covers one stays plain).
bool is_sync_word(SegmentRef segment, uint64_t offset, uint64_t size);

// How access() treats a plain access under sync_words=1: a Write wholly on
// a sync word becomes an AtomicWrite with release order; a Read becomes an
// AtomicRead whose acquire is left to the caller (`acquire_after`), because
// it must be taken after the value was read. AtomicUpdates mark the word.
// Returns the type to check the access as.
struct SyncWordTyping {
  AccessType type;
  MemoryOrder order;
  bool acquire_after;  // a plain load of a sync word
};
SyncWordTyping type_access_slow(SegmentRef segment, uint64_t offset, uint64_t size,
                                AccessType type, MemoryOrder order);
// Inline: most accesses are plain ones in a session without sync words.
inline SyncWordTyping type_access(SegmentRef segment, uint64_t offset, uint64_t size,
                                  AccessType type, MemoryOrder order) {
  if (type == AccessType::AtomicUpdate ||
      ((type == AccessType::Read || type == AccessType::Write) &&
       state().sync_words.used.load(std::memory_order_relaxed) != 0))
    return type_access_slow(segment, offset, size, type, order);
  return {type, order, false};
}

// The acquire of a plain load of a sync word, taken after the load: noted
// by access(), taken by access_completed() or else by the thread's next
// access or release (whichever comes first).
void defer_acquire(ThreadState *thread, SegmentRef segment, uint64_t offset);
inline void take_pending_acquire(ThreadState *thread) {
  if (thread->acquire_pending) {
    thread->acquire_pending = false;
    acquire(thread, SyncKey{SyncKind::InSegment, thread->pending_segment, thread->pending_offset});
  }
}

// Spinlocks shown in "locks": an exchange or compare-exchange of a sync
// word from 0 to non-zero holds it until the thread stores to the word (an
// atomic store, or a plain one that type_access made atomic) or updates it
// again (a fetch_sub release; an LWLock-style release that leaves flag bits
// set). Counters (fetch_add from 0) take nothing.
void spin_update(ThreadState *thread, SegmentRef segment, uint64_t offset, uint64_t before,
                 uint64_t after, bool exchange);
void spin_store(ThreadState *thread, SegmentRef segment, uint64_t offset);

// "sync words N (M not recorded)" for verbosity=1.
void print_sync_word_counters();

}  // namespace shmcheck::core
