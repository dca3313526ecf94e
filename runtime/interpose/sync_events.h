// Helpers shared by the synchronization interceptors: how a sync object is
// named for the core, where the real call must operate, and the events.
#pragma once

#include "core/core_api.h"
#include "instrument/instrumented_mode.h"
#include "trap/attachment_table.h"

namespace shmcheck::interpose {

// A sync object inside a watched segment is named by (segment, offset), the
// offset in the segment or object whatever the mapping's address or its
// offset in the object, so every process that attached the segment names it
// alike; anything else is local to this process run.
core::SyncKey sync_key_for(const volatile void *object);

// Where libc must operate on `object`: a sync object in a watched segment is
// used through the alias view, whose pages are never protected. Its futex
// word is the same (futexes on shared mappings are keyed by object and
// offset), so waiters and wakers through either view meet.
// Instrumented code keeps its views accessible: the object itself is usable.
template <typename T>
T *usable(T *object) {
  if (instrument::instrumented())
    return object;
  return static_cast<T *>(trap::alias_of(object));
}

// Each does nothing unless should_check() and the thread is registered.
void acquire_event(const core::SyncKey &key);
void release_event(const core::SyncKey &key);
// A lock was taken (acquire + remembered as held for reports).
void lock_taken(const core::SyncKey &key, bool shared);
// A lock is about to be released (forgotten as held + release).
void lock_released(const core::SyncKey &key);
// A robust mutex was taken with EOWNERDEAD from thread `dead_tid`: ordered
// after everything that thread did (before the lock_taken of the mutex).
void owner_died_event(const core::SyncKey &key);
// The object behind `key` is gone (destroyed, removed).
void sync_destroyed_event(const core::SyncKey &key);
// Writes pending reports (normal context only).
void flush_reports_now();

}  // namespace shmcheck::interpose
