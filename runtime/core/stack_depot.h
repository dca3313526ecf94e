// Stacks stored once in the shared state and named by a 32-bit id, so that a
// shadow cell or a report can refer to a stack recorded by any process.
//
// The depot recycles in place, oldest first: a server that runs for hours
// keeps recording stacks, and a stack only matters while an access that
// names it may still be reported (the access history keeps kHistorySize
// contexts). An id whose entry or frames were taken by newer stacks reads
// as missing, and the report says that it was recycled.
#pragma once

#include <cstdint>

#include "shared_layout.h"

namespace shmcheck::core {

uint32_t hash_frames(const PackedFrame *frames, uint32_t count);

// [signal-safe] Id of the stack (existing or newly stored); 0 when there
// is no frame or the depot's lock could not be taken.
uint32_t depot_put(const PackedFrame *frames, uint32_t count, uint32_t hash);

// [signal-safe] Copies stack `id` into `out` (at most `max` frames); returns
// the number of frames, 0 for an id that was never given or was recycled.
uint32_t depot_get(uint32_t id, PackedFrame *out, uint32_t max);

// [signal-safe] Whether stack `id` is still stored (not recycled).
bool depot_holds(uint32_t id);

// Why depot_get(id) gave nothing, for reports: "no stack was captured" for
// id 0, else that the depot recycled it.
const char *depot_missing_reason(uint32_t id);

}  // namespace shmcheck::core
