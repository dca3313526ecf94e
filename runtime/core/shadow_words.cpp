#include "shadow_words.h"

namespace shmcheck::core {
namespace {

unsigned lowest(uint8_t mask) { return static_cast<unsigned>(__builtin_ctz(mask)); }

// Index patterns: 0 counts up from the lowest byte, 1/2/3 repeat every
// 1/2/4 bytes (period 1 << (pattern - 1)).
uint8_t index_at(unsigned pattern, uint8_t first, unsigned distance) {
  if (pattern == 0) {
    unsigned i = first + distance;
    return static_cast<uint8_t>(i < 255 ? i : 255);
  }
  unsigned period = 1u << (pattern - 1);
  return static_cast<uint8_t>((first + distance) % period);
}

// What a cell's write or read is, for grouping bytes into records.
struct Side {
  Clock clock;
  uint32_t ctx;
  uint16_t bits;
  uint8_t index;
};

Side write_side(const ShadowCellShm &c) {
  uint16_t bits = static_cast<uint16_t>(c.write_slot | kRecordWrite |
                                        ((c.flags & kWriteAtomic) ? kRecordAtomic : 0));
  return {c.write_clock, c.write_ctx, bits, c.write_index};
}

Side read_side(const ShadowCellShm &c) {
  uint16_t bits =
      static_cast<uint16_t>(c.read_slot | ((c.flags & kReadAtomic) ? kRecordAtomic : 0));
  return {c.read_clock, c.read_ctx, bits, c.read_index};
}

struct Group {
  Side side;
  uint8_t mask;
  uint8_t index[8];
};

bool same_access(const Side &a, const Side &b) {
  return a.clock == b.clock && a.ctx == b.ctx && a.bits == b.bits;
}

// Adds byte `b` of side `s` to the groups; false when a third is needed.
bool group_byte(Group groups[2], unsigned &count, const Side &s, unsigned b) {
  for (unsigned g = 0; g < count; ++g) {
    if (same_access(groups[g].side, s)) {
      groups[g].mask = static_cast<uint8_t>(groups[g].mask | (1u << b));
      groups[g].index[b] = s.index;
      return true;
    }
  }
  if (count == 2) return false;
  Group &g = groups[count++];
  g.side = s;
  g.mask = static_cast<uint8_t>(1u << b);
  g.index[b] = s.index;
  return true;
}

}  // namespace

uint8_t record_index(const ShadowRecordShm &r, unsigned byte) {
  unsigned first = lowest(r.mask);
  unsigned distance = byte >= first ? byte - first : 0;
  return index_at(r.bits >> kRecordPeriodShift, r.index, distance);
}

bool represent_indexes(const uint8_t index[8], uint8_t mask, ShadowRecordShm &r) {
  const unsigned first = lowest(mask);
  for (unsigned pattern = 0; pattern < 4; ++pattern) {
    if (pattern != 0 && index[first] >= (1u << (pattern - 1))) continue;
    bool fits = true;
    for (unsigned b = first; b < 8 && fits; ++b)
      if ((mask >> b) & 1) fits = index[b] == index_at(pattern, index[first], b - first);
    if (!fits) continue;
    r.mask = mask;
    r.index = index[first];
    r.bits = static_cast<uint16_t>((r.bits & ~(3u << kRecordPeriodShift)) |
                                   (pattern << kRecordPeriodShift));
    return true;
  }
  return false;
}

void decode_word(const ShadowWordShm &w, ShadowCellShm cells[8]) {
  for (unsigned b = 0; b < 8; ++b) cells[b] = ShadowCellShm{};
  for (const ShadowRecordShm &r : w.records) {
    if (!record_live(r)) continue;
    for (unsigned b = 0; b < 8; ++b) {
      if (!((r.mask >> b) & 1)) continue;
      ShadowCellShm &c = cells[b];
      if (record_write(r)) {
        c.write_clock = r.clock;
        c.write_ctx = r.ctx;
        c.write_slot = record_slot(r);
        c.write_index = record_index(r, b);
        c.flags = static_cast<uint8_t>((c.flags & ~kWriteAtomic) |
                                       (record_atomic(r) ? kWriteAtomic : 0));
      } else {
        c.read_clock = r.clock;
        c.read_ctx = r.ctx;
        c.read_slot = record_slot(r);
        c.read_index = record_index(r, b);
        c.flags = static_cast<uint8_t>((c.flags & ~kReadAtomic) |
                                       (record_atomic(r) ? kReadAtomic : 0));
      }
    }
  }
}

bool encode_word(const ShadowCellShm cells[8], ShadowWordShm &w) {
  Group groups[2];
  unsigned count = 0;
  for (unsigned b = 0; b < 8; ++b) {
    const ShadowCellShm &c = cells[b];
    if (c.flags & kReadShared) return false;
    if (c.write_clock != 0 && !group_byte(groups, count, write_side(c), b)) return false;
    if (c.read_clock != 0 && !group_byte(groups, count, read_side(c), b)) return false;
  }
  ShadowWordShm out{};
  for (unsigned g = 0; g < count; ++g) {
    ShadowRecordShm &r = out.records[g];
    r.clock = groups[g].side.clock;
    r.ctx = groups[g].side.ctx;
    r.bits = groups[g].side.bits;
    if (!represent_indexes(groups[g].index, groups[g].mask, r)) return false;
  }
  w = out;
  return true;
}

bool add_record(ShadowRecordShm records[2], unsigned &count, const ShadowRecordShm &r) {
  constexpr uint16_t kAccessBits = static_cast<uint16_t>(~(3u << kRecordPeriodShift));
  for (unsigned i = 0; i < count; ++i) {
    ShadowRecordShm &e = records[i];
    if (e.clock != r.clock || e.ctx != r.ctx ||
        (e.bits & kAccessBits) != (r.bits & kAccessBits))
      continue;
    uint8_t index[8] = {};
    for (unsigned b = 0; b < 8; ++b) {
      if ((e.mask >> b) & 1) index[b] = record_index(e, b);
      if ((r.mask >> b) & 1) index[b] = record_index(r, b);
    }
    ShadowRecordShm merged = e;
    if (represent_indexes(index, static_cast<uint8_t>(e.mask | r.mask), merged)) {
      e = merged;
      return true;
    }
  }
  if (count == 2) return false;
  records[count++] = r;
  return true;
}

}  // namespace shmcheck::core
