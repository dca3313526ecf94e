// The compact shadow word (shared_layout.h: ShadowWordShm) and its
// translation to and from one FastTrack cell per byte. A word holds at most
// two records; decode() then encode() reproduce every byte's state exactly,
// or encode() says the bytes need an expanded word. [signal-safe]
#pragma once

#include <cstdint>

#include "shared_layout.h"

namespace shmcheck::core {

inline uint16_t record_slot(const ShadowRecordShm &r) { return r.bits & kRecordSlotMask; }
inline bool record_write(const ShadowRecordShm &r) { return (r.bits & kRecordWrite) != 0; }
inline bool record_atomic(const ShadowRecordShm &r) { return (r.bits & kRecordAtomic) != 0; }

// A record that describes accesses (not empty, not the expanded marker, and
// naming a slot that exists).
inline bool record_live(const ShadowRecordShm &r) {
  return r.clock != 0 && r.mask != 0 && record_slot(r) < kMaxSlots;
}

// The ExpandedWordShm reference of an expanded word, else 0.
inline uint32_t expanded_ref(const ShadowWordShm &w) {
  const ShadowRecordShm &r = w.records[0];
  return r.clock == 0 && r.mask == kExpandedMask ? r.ctx : 0;
}
inline void set_expanded(ShadowWordShm &w, uint32_t ref) {
  w = ShadowWordShm{};
  w.records[0].mask = kExpandedMask;
  w.records[0].ctx = ref;
}

// Position inside its access of byte `byte` (0..7) of record `r`.
uint8_t record_index(const ShadowRecordShm &r, unsigned byte);

// Sets r.mask, r.index and the index pattern so that record_index() gives
// index[b] for every byte b of `mask`; false when no pattern does.
bool represent_indexes(const uint8_t index[8], uint8_t mask, ShadowRecordShm &r);

// The word's state, one cell per byte.
void decode_word(const ShadowWordShm &w, ShadowCellShm cells[8]);

// The cells as a word; false when they need more than two records or hold a
// read set (the word must then be expanded).
bool encode_word(const ShadowCellShm cells[8], ShadowWordShm &w);

// Adds `r` to `records` (holding `count`), merged into a record of the same
// access (epoch, context, kind) when the index pattern allows. False when
// that would need a third record.
bool add_record(ShadowRecordShm records[2], unsigned &count, const ShadowRecordShm &r);

}  // namespace shmcheck::core
