// Access contexts: who made an access (pid, thread, process entry), from
// where (stack id), holding which locks, of which type and size. Shadow cells
// store a context id; the contexts live in a ring in the shared state, so old
// ones are overwritten and a report then says the earlier stack was lost.
#pragma once

#include <cstdint>

#include "core_api.h"
#include "shared_layout.h"

namespace shmcheck::core {

struct ThreadState;

// [signal-safe] The context id for an access by `thread` now.
uint32_t make_context(ThreadState *thread, const StackTrace &stack, AccessType type,
                      uint64_t size);

// [signal-safe] Copies context `id`; false when it was overwritten or never
// existed.
bool read_context(uint32_t id, AccessContextShm &out);

}  // namespace shmcheck::core
