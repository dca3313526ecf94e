// Process entries and thread slots in the shared state. Every function here
// expects the registry lock to be held by the caller.
//
// Slots are bounded (kMaxSlots) and reused. A reused slot continues its clock
// (epochs never go back), and a new thread prefers, in order:
//  1. a free slot whose last clock it already has in its vector clock (the
//     previous owner's accesses are ordered before it, e.g. a child forked
//     after its parent reaped the previous child): reuse loses nothing;
//  2. a never-used slot;
//  3. the slot freed longest ago: races between the previous owner and the
//     new thread can be missed (counted in unordered_slot_reuses).
#pragma once

#include <cstdint>
#include <sys/types.h>

#include "shared_layout.h"

namespace shmcheck::core {

inline constexpr uint32_t kNoIndex = ~0u;

// A free process entry, now Reserved (the caller fills it); kNoIndex if full.
uint32_t allocate_process_entry();

// A slot for a thread of process `process`, with vector clock `inherit` (or
// zero) plus its own fresh clock; kNoIndex if all slots are live.
uint32_t allocate_slot(uint32_t process, uint64_t incarnation, pid_t tid,
                       const VectorClockShm *inherit);

// Frees a slot; its clock stays for the next owner to continue.
void free_slot(uint32_t slot);

// Joins the vector clocks of the live slots of process entry `index`.
void process_clock(uint32_t index, VectorClockShm &out);

// Ends a process entry: its threads' clocks are joined and published on
// SyncKey{ProcessExit, pid} (so that whoever reaps it acquires them), its
// slots and segment attachments are released, its process-local sync
// objects are dropped.
void retire_process(uint32_t index);

// Retires every entry whose process is gone (except `self`).
void reclaim_dead_processes(uint32_t self);

// Live or reserved entries other than `self`.
uint32_t count_other_processes(uint32_t self);

// The live entry of `pid` other than `self`, or kNoIndex.
uint32_t find_process(pid_t pid, uint32_t self);

}  // namespace shmcheck::core
