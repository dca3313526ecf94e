// Pool of expanded shadow words: one cell per byte for the few words whose
// bytes need more than a compact word's two records (three different
// accesses, or concurrent reads). A block belongs to one word of one segment
// generation and is only touched under that word's stripe lock; the pool's
// own lock covers allocation only. [signal-safe]
#pragma once

#include <cstdint>

#include "shared_layout.h"

namespace shmcheck::core {

// A fresh block of empty cells owned by `word` of segment entry `segment`
// (generation `generation`), named by index + 1; 0 when the pool is
// exhausted (counted in expanded_exhausted).
uint32_t expanded_alloc(uint32_t segment, uint32_t generation, uint64_t word);

// Returns a block (and the read sets its cells hold) to the pool.
void expanded_free(uint32_t ref);

// The block named `ref` when it belongs to that word, else nullptr (stale or
// forged references are ignored).
ExpandedWordShm *expanded_at(uint32_t ref, uint32_t segment, uint32_t generation,
                             uint64_t word);

// Registry lock held: frees every block of `segment` (its entry is being
// destroyed).
void expanded_forget_segment(uint32_t segment);

}  // namespace shmcheck::core
