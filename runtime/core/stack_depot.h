// Stacks stored once in the shared state and named by a 32-bit id, so that a
// shadow cell or a report can refer to a stack recorded by any process.
// Stacks are never removed; when the depot is full new stacks get id 0
// ("stack not recorded").
#pragma once

#include <cstdint>

#include "shared_layout.h"

namespace shmcheck::core {

uint32_t hash_frames(const PackedFrame *frames, uint32_t count);

// [signal-safe] Id of the stack (existing or newly stored), 0 when full.
uint32_t depot_put(const PackedFrame *frames, uint32_t count, uint32_t hash);

// [signal-safe] Copies stack `id` into `out` (at most `max` frames); returns
// the number of frames, 0 for an unknown id.
uint32_t depot_get(uint32_t id, PackedFrame *out, uint32_t max);

}  // namespace shmcheck::core
