// Pool of read sets: the sparse "read vector clock" FastTrack switches a byte
// to when reads of it are concurrent. Each set belongs to exactly one shadow
// cell and is only touched under that cell's stripe lock; the pool's own lock
// covers allocation only. [signal-safe]
#pragma once

#include <cstdint>

#include "shared_layout.h"

namespace shmcheck::core {

// A fresh, empty set, named by index + 1; 0 when the pool is exhausted.
uint32_t read_set_alloc();

// Returns a chain of sets to the pool.
void read_set_free_chain(uint32_t ref);

// The set named `ref`, or nullptr for an invalid name.
ReadSetShm *read_set_at(uint32_t ref);

// Longest chain ever needed: one entry per slot.
inline constexpr uint32_t kMaxReadSetChain = kMaxSlots / kReadSetEntries + 1;

}  // namespace shmcheck::core
