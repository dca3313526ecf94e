// The room the state takes: shadow files are sparse, and a chunk of a
// shadow's words is committed (its pages allocated with fallocate, so that a
// full /dev/shm is an error here rather than a SIGBUS later) the first time
// an access needs it, within the session's limit (max_state_mb) and the
// room left in /dev/shm and in the memory cgroup. A chunk without room is
// refused: accesses to its bytes are left unchecked and the process says so
// once. [signal-safe, except state_limit_default()]
#pragma once

#include <cstdint>

#include "core_state.h"

namespace shmcheck::core {

// Commits `bytes` more of state (true) or says there is no room (false,
// `why` names the limit). Counted in state_bytes and its peak.
bool reserve_state_bytes(uint64_t bytes, const char **why);
void release_state_bytes(uint64_t bytes);

// The words [first, last] of `local` have committed shadow (committing the
// chunks that hold them now if needed); false when they have no room.
bool shadow_chunks_committed(LocalSegment &local, uint64_t first, uint64_t last);

inline bool shadow_committed(LocalSegment &local, uint64_t first, uint64_t last) {
  const uint32_t a = static_cast<uint32_t>(first >> local.chunk_shift);
  const uint32_t b = static_cast<uint32_t>(last >> local.chunk_shift);
  if (a < kShadowChunkBits && b < kShadowChunkBits) {
    const ShadowHeaderShm *h = local.shadow.load(std::memory_order_relaxed);
    const uint64_t bits_a = h->committed[a / 64].load(std::memory_order_acquire);
    const uint64_t bits_b = h->committed[b / 64].load(std::memory_order_acquire);
    if (((bits_a >> (a % 64)) & 1) && ((bits_b >> (b % 64)) & 1)) return true;
  }
  return shadow_chunks_committed(local, first, last);
}

// Bytes of state a shadow chunk of `chunk_shift` holds.
inline uint64_t shadow_chunk_bytes(uint32_t chunk_shift) {
  return (1ull << chunk_shift) * sizeof(ShadowWordShm);
}

// The chunk size for a shadow that may cover up to `reserve_size` bytes of
// segment: fine enough to commit lazily, coarse enough for the header's bits.
uint32_t shadow_chunk_shift(uint64_t reserve_size);

// Normal context, at start: the limit when max_state_mb is 0 (half of the
// smallest of memory, the memory cgroup's limit and /dev/shm's size), and
// where to find the cgroup's current use.
uint64_t state_limit_default();
void find_memory_cgroup();

}  // namespace shmcheck::core
