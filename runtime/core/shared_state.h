// Finding, creating, validating and removing the per-user shared objects.
//
// Security: objects are created with O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600,
// under names that carry the user id; an existing object is used only when
// it is a regular file owned by us, not accessible to anyone else, of the
// expected size, with our magic and layout version. Anything else is an error
// and the process runs unchecked.
#pragma once

#include <cstddef>
#include <cstdint>

#include "shared_layout.h"

namespace shmcheck::core {

// Opens or creates the state object named `name` and maps it. On failure
// writes a one-line reason into `error` and returns nullptr.
SharedStateShm *open_shared_state(const char *name, char *error, size_t error_size);

void unmap_shared_state(SharedStateShm *state);

// The last process removes the objects: the state itself and every shadow
// object left under its prefix.
void unlink_shared_state(const char *name);

// "/shmcheck-<uid>-<session>@<nonce>-s<index>-g<generation>"
void shadow_object_name(const char *state_name, uint64_t nonce, uint32_t index,
                        uint32_t generation, char *out, size_t out_size);

// Where a shadow is mapped in this process: `map_size` bytes at the start of
// `reserved` bytes of address space (more when the shadow may grow).
struct ShadowMapping {
  ShadowHeaderShm *header;
  uint64_t map_size;
  uint64_t reserved;
};

// Creates a new shadow object for a segment of `segment_size` bytes (its
// words committed `chunk_shift` at a time, shadow_commit.h) and maps it; or opens an existing one, checking ownership, size and header. Either
// tries to reserve address space for a shadow of `reserve_size` segment
// bytes (no more than `segment_size` when the segment cannot grow), so that
// extend_shadow_mapping() can grow the mapping in place. Returns false on
// failure.
bool create_shadow(const char *name, uint64_t segment_size, uint32_t generation,
                   uint64_t reserve_size, uint32_t chunk_shift, ShadowMapping *out);
bool open_shadow(const char *name, uint64_t segment_size, uint32_t generation,
                 uint64_t reserve_size, ShadowMapping *out);

// Registry lock held: grows the shadow object to `segment_size` bytes of
// segment (its file and the size in its header). The new words are zero.
bool grow_shadow(const char *name, uint64_t segment_size);

// Maps the shadow's words up to `segment_size` bytes of segment right after
// the part already mapped, inside the mapping's reservation. False when the
// reservation is too small.
bool extend_shadow_mapping(const char *name, uint64_t segment_size, ShadowMapping *mapping);

uint64_t shadow_map_size(uint64_t segment_size);

// The bytes of memory the shadow object `name` holds (0 if it is gone).
uint64_t shadow_allocated_bytes(const char *name);

}  // namespace shmcheck::core
