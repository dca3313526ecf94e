// Sync objects: one vector clock per process-independent SyncKey, in the
// shared state. All functions are [signal-safe] (they take only the stripe's
// robust lock, with signals blocked).
#pragma once

#include <cstdint>

#include "core_api.h"
#include "shared_layout.h"

namespace shmcheck::core {

// `into` joins the object's clock (no-op when the object does not exist).
// When `consume` is set the object is removed afterwards (one-shot edges:
// thread and process exit).
void sync_acquire_into(VectorClockShm &into, const SyncKey &key, bool consume);

// The object's clock joins `from` (the object is created if needed).
// Returns false when the table had no room and no entry could be evicted.
bool sync_release_from(const SyncKey &key, const VectorClockShm &from);

// Removes one object / all objects of a process incarnation (ProcessLocal,
// ThreadExit, ForkEdge) / all objects inside a segment (InSegment).
void sync_forget(const SyncKey &key);
void sync_forget_incarnation(uint64_t incarnation);
void sync_forget_segment(uint32_t segment);

// Kinds that are acquired exactly once and may be evicted first when full.
inline bool is_one_shot(SyncKind kind) {
  return kind == SyncKind::ThreadExit || kind == SyncKind::ProcessExit ||
         kind == SyncKind::ForkEdge;
}

}  // namespace shmcheck::core
