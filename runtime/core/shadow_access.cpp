// access(): FastTrack at byte precision over a segment's shadow.
//
// Each byte keeps the epoch (clock@slot) of its last write and either the
// epoch of its last read or, only while reads are concurrent, a read set (one
// epoch per reading slot). A new access races with a recorded one when the
// recorded epoch is not covered by the accessing thread's vector clock and
// at least one of the two writes, unless both are atomic.
//
// The state is kept per 8-byte word (shadow_words.h): up to two records,
// each an access over some bytes of the word. The common shapes are checked
// on the records directly (check_records); anything else is decoded to one
// cell per byte, checked byte by byte, and encoded back, or kept expanded
// (expanded_words.h) when two records cannot say it.
//
// Atomics: atomic vs atomic never races; acquire loads, release stores and
// read-modify-writes (lock-prefixed instructions order like seq_cst) create
// edges through the sync object keyed by the location (segment + offset).
// With atomic_plain_loads=1 (the default) a plain load may have been an
// atomic one (on x86 every atomic load compiles to a plain mov, which page
// protection cannot tell apart): it never races with an atomic write, in
// either order, and a plain load of a byte last written atomically acquires
// like an atomic acquire load.
//
// Sync words (sync_words.h) come first: with sync_words=1 a plain access
// that lies on a word once updated by a locked instruction is checked as the
// atomic it compiled from (type_access), before any of the above applies;
// atomic_plain_loads then only concerns the plain loads of other bytes.
#include <cstddef>
#include <cstring>

#include "access_history.h"
#include "core_api.h"
#include "expanded_words.h"
#include "race_queue.h"
#include "read_sets.h"
#include "robust_mutex.h"
#include "core_state.h"
#include "shadow_commit.h"
#include "shadow_words.h"
#include "sync_words.h"

namespace shmcheck::core {
namespace {

bool is_atomic(AccessType type) {
  return type == AccessType::AtomicRead || type == AccessType::AtomicWrite ||
         type == AccessType::AtomicUpdate;
}
bool is_write(AccessType type) {
  return type == AccessType::Write || type == AccessType::AtomicWrite ||
         type == AccessType::AtomicUpdate;
}
bool has_acquire(MemoryOrder order) { return order == 1 || order == 2 || order == 4 || order == 5; }
bool has_release(MemoryOrder order) { return order == 3 || order == 4 || order == 5; }

// One access being checked against the cells it covers.
struct Checker {
  const Clock *vc;  // the accessing thread's vector clock
  uint16_t slot;
  Clock now;
  uint32_t ctx;
  bool atomic;
  bool plain_loads_acquire;
  bool upgraded = false;  // a plain load met an atomic write

  bool found = false;
  uint64_t byte_offset = 0;
  uint32_t previous_ctx = 0;
  AccessType previous_type = AccessType::Read;
  uint8_t previous_index = 0;

  // A slot beyond the clock's width comes only from a damaged shadow: it
  // orders nothing, so it reports nothing.
  bool ordered(Clock clock, uint16_t s) const { return s >= kMaxSlots || clock <= vc[s]; }

  void note(uint64_t offset, uint32_t other_ctx, AccessType other_type, uint8_t other_index) {
    if (found) return;
    found = true;
    byte_offset = offset;
    previous_ctx = other_ctx;
    previous_type = other_type;
    previous_index = other_index;
  }
};

void set_exclusive_read(ShadowCellShm &cell, const Checker &k, uint8_t index, bool atomic) {
  cell.read_clock = k.now;
  cell.read_slot = k.slot;
  cell.read_ctx = k.ctx;
  cell.read_index = index;
  cell.flags = static_cast<uint8_t>((cell.flags & ~(kReadShared | kReadAtomic)) |
                                    (atomic ? kReadAtomic : 0));
}

ReadEntryShm make_entry(Clock clock, uint16_t slot, uint32_t ctx, uint8_t index, bool atomic) {
  ReadEntryShm e{};
  e.clock = clock;
  e.slot = slot;
  e.ctx = ctx;
  e.index = index;
  e.atomic = atomic ? 1 : 0;
  return e;
}

void drop_read_set(ShadowCellShm &cell) {
  if (cell.flags & kReadShared) read_set_free_chain(cell.read_clock);
  cell.flags = static_cast<uint8_t>(cell.flags & ~(kReadShared | kReadAtomic));
  cell.read_clock = 0;
  cell.read_ctx = 0;
}

// Adds this read to the cell's read set, reusing the entry of our slot or of
// a read already ordered before us; collapses the set back to one epoch when
// every other read is ordered before this one.
void add_to_read_set(ShadowCellShm &cell, const Checker &k, uint8_t index, bool atomic) {
  ReadEntryShm *mine = nullptr;
  ReadEntryShm *reusable = nullptr;
  ReadSetShm *last = nullptr;
  bool all_ordered = true;
  uint32_t ref = cell.read_clock;
  for (uint32_t steps = 0; steps < kMaxReadSetChain && ref != 0; ++steps) {
    ReadSetShm *set = read_set_at(ref);
    if (set == nullptr) break;
    last = set;
    uint32_t count = set->count <= kReadSetEntries ? set->count : kReadSetEntries;
    for (uint32_t i = 0; i < count; ++i) {
      ReadEntryShm &e = set->entries[i];
      if (e.slot == k.slot) mine = &e;
      else if (!k.ordered(e.clock, e.slot)) all_ordered = false;
      else if (reusable == nullptr) reusable = &e;
    }
    ref = set->next;
  }
  if (last == nullptr || all_ordered) {
    drop_read_set(cell);
    set_exclusive_read(cell, k, index, atomic);
    return;
  }
  ReadEntryShm entry = make_entry(k.now, k.slot, k.ctx, index, atomic);
  if (mine != nullptr) {
    *mine = entry;
  } else if (reusable != nullptr) {
    *reusable = entry;
  } else if (last->count < kReadSetEntries) {
    last->entries[last->count++] = entry;
  } else if (uint32_t more = read_set_alloc()) {
    ReadSetShm *set = read_set_at(more);
    set->entries[0] = entry;
    set->count = 1;
    last->next = more;
  } else {
    // Pool exhausted: forget the oldest concurrent reader (a possible miss,
    // counted in readset_exhausted), never a false report.
    last->entries[0] = entry;
  }
}

void check_read(Checker &k, ShadowCellShm &cell, uint64_t offset, uint8_t index) {
  bool write_atomic = (cell.flags & kWriteAtomic) != 0;
  bool atomic = k.atomic;
  if (!atomic && write_atomic && cell.write_clock != 0 && k.plain_loads_acquire) {
    atomic = true;
    k.upgraded = true;
  }
  bool shared = (cell.flags & kReadShared) != 0;
  // Same epoch as the recorded read: nothing new to learn (FastTrack).
  if (!shared && cell.read_clock == k.now && cell.read_slot == k.slot &&
      ((cell.flags & kReadAtomic) != 0) == atomic)
    return;
  if (cell.write_clock != 0 && !k.ordered(cell.write_clock, cell.write_slot) &&
      !(atomic && write_atomic))
    k.note(offset, cell.write_ctx, write_atomic ? AccessType::AtomicWrite : AccessType::Write,
           cell.write_index);

  if (shared) {
    add_to_read_set(cell, k, index, atomic);
  } else if (cell.read_clock == 0 || cell.read_slot == k.slot ||
             k.ordered(cell.read_clock, cell.read_slot)) {
    set_exclusive_read(cell, k, index, atomic);
  } else if (uint32_t ref = read_set_alloc()) {
    ReadSetShm *set = read_set_at(ref);
    set->entries[0] = make_entry(cell.read_clock, cell.read_slot, cell.read_ctx,
                                 cell.read_index, (cell.flags & kReadAtomic) != 0);
    set->entries[1] = make_entry(k.now, k.slot, k.ctx, index, atomic);
    set->count = 2;
    set->next = 0;
    cell.read_clock = ref;
    cell.flags = static_cast<uint8_t>((cell.flags | kReadShared) & ~kReadAtomic);
  } else {
    set_exclusive_read(cell, k, index, atomic);  // pool exhausted: lossy, never noisy
  }
}

void check_write(Checker &k, ShadowCellShm &cell, uint64_t offset, uint8_t index) {
  bool write_atomic = (cell.flags & kWriteAtomic) != 0;
  if (cell.write_clock == k.now && cell.write_slot == k.slot && write_atomic == k.atomic) return;
  if (cell.write_clock != 0 && !k.ordered(cell.write_clock, cell.write_slot) &&
      !(k.atomic && write_atomic))
    k.note(offset, cell.write_ctx, write_atomic ? AccessType::AtomicWrite : AccessType::Write,
           cell.write_index);
  if (cell.flags & kReadShared) {
    uint32_t ref = cell.read_clock;
    for (uint32_t steps = 0; steps < kMaxReadSetChain && ref != 0 && !k.found; ++steps) {
      ReadSetShm *set = read_set_at(ref);
      if (set == nullptr) break;
      uint32_t count = set->count <= kReadSetEntries ? set->count : kReadSetEntries;
      for (uint32_t i = 0; i < count; ++i) {
        const ReadEntryShm &e = set->entries[i];
        if (!k.ordered(e.clock, e.slot) && !(k.atomic && (e.atomic || k.plain_loads_acquire))) {
          k.note(offset, e.ctx, e.atomic ? AccessType::AtomicRead : AccessType::Read, e.index);
          break;
        }
      }
      ref = set->next;
    }
  } else if (cell.read_clock != 0 && !k.ordered(cell.read_clock, cell.read_slot) &&
             !(k.atomic && ((cell.flags & kReadAtomic) || k.plain_loads_acquire))) {
    k.note(offset, cell.read_ctx,
           (cell.flags & kReadAtomic) ? AccessType::AtomicRead : AccessType::Read,
           cell.read_index);
  }
  drop_read_set(cell);
  cell.write_clock = k.now;
  cell.write_slot = k.slot;
  cell.write_ctx = k.ctx;
  cell.write_index = index;
  cell.flags = k.atomic ? kWriteAtomic : 0;
}

uint8_t small_index(uint64_t index) { return static_cast<uint8_t>(index < 255 ? index : 255); }

// The bytes of the cell that describe the accesses (all but their indexes
// and the padding).
constexpr size_t kCellState = offsetof(ShadowCellShm, write_index);

// True when the `n` cells record the same accesses (which bytes of those
// accesses they were aside) and no read set: an access covering them all
// then finds the same thing in each, so checking the first is enough.
bool uniform(const ShadowCellShm *cells, uint64_t n) {
  if (cells[0].flags & kReadShared) return false;
  for (uint64_t i = 1; i < n; ++i)
    if (memcmp(&cells[i], &cells[0], kCellState) != 0) return false;
  return true;
}

// Checks the first of `n` uniform cells and gives the others its new state.
// A read that had to start a read set leaves the others to the byte-wise
// check (a read set belongs to one cell).
void check_uniform(Checker &k, ShadowCellShm *cells, uint64_t n, uint64_t pos,
                   uint64_t first_index, bool write) {
  const ShadowCellShm before = cells[0];
  if (write) check_write(k, cells[0], pos, small_index(first_index));
  else check_read(k, cells[0], pos, small_index(first_index));
  if (memcmp(&before, &cells[0], sizeof before) == 0) return;  // same epoch
  for (uint64_t i = 1; i < n; ++i) {
    ShadowCellShm &cell = cells[i];
    if (cells[0].flags & kReadShared) {
      check_read(k, cell, pos + i, small_index(first_index + i));
      continue;
    }
    const uint8_t write_index = cell.write_index;
    const uint8_t read_index = cell.read_index;
    cell = cells[0];
    cell.write_index = write ? small_index(first_index + i) : write_index;
    cell.read_index = write ? read_index : small_index(first_index + i);
  }
}


// Checks bytes [lo, hi) of a word's cells; `base` is the segment offset of
// cells[0] and `first_index` the position of byte `lo` inside the access.
void check_cells(Checker &k, ShadowCellShm *cells, unsigned lo, unsigned hi, uint64_t base,
                 uint64_t first_index, bool write) {
  unsigned b = lo;
  if (hi - lo > 1 && uniform(&cells[lo], hi - lo)) {
    check_uniform(k, &cells[lo], hi - lo, base + lo, first_index, write);
    return;
  }
  for (; b < hi; ++b) {
    if (write) check_write(k, cells[b], base + b, small_index(first_index + (b - lo)));
    else check_read(k, cells[b], base + b, small_index(first_index + (b - lo)));
  }
}

uint8_t byte_mask(unsigned lo, unsigned hi) {
  return static_cast<uint8_t>(((1u << hi) - 1) & ~((1u << lo) - 1));
}

// The earliest race found on the records: the lowest byte, and on one byte
// the write before the read (the order check_cells() finds them in).
struct Finding {
  unsigned byte = 8;
  bool write = false;
  const ShadowRecordShm *record = nullptr;

  void consider(const ShadowRecordShm &r, uint8_t overlap) {
    unsigned b = static_cast<unsigned>(__builtin_ctz(overlap));
    if (b < byte || (b == byte && record_write(r) && !write)) {
      byte = b;
      write = record_write(r);
      record = &r;
    }
  }
};

// FastTrack on the records themselves, for the shapes that need no byte of
// the word treated apart: every byte of the access meets the same records
// in the same way. Returns false, with nothing changed, for anything else.
bool check_records(Checker &k, ShadowWordShm &word, uint8_t mask, uint64_t base,
                   uint64_t first_index, bool write) {
  ShadowRecordShm *r[2] = {&word.records[0], &word.records[1]};
  bool upgrade = false;
  bool atomic = k.atomic;
  if (!write && !k.atomic && k.plain_loads_acquire) {
    // A plain load is upgraded on the bytes last written atomically: all
    // of them or none.
    uint8_t atomic_written = 0;
    for (ShadowRecordShm *x : r)
      if (record_live(*x) && record_write(*x) && record_atomic(*x)) atomic_written |= x->mask;
    atomic_written &= mask;
    if (atomic_written != 0 && atomic_written != mask) return false;
    upgrade = atomic_written != 0;
    atomic = upgrade;
  }
  Finding finding;
  for (ShadowRecordShm *x : r) {
    if (x->clock == 0) continue;
    if (!record_live(*x)) return false;
    const uint8_t overlap = x->mask & mask;
    if (overlap == 0) continue;
    const bool same_epoch = x->clock == k.now && record_slot(*x) == k.slot &&
                            record_write(*x) == write && record_atomic(*x) == atomic;
    if (same_epoch) {
      if (overlap != mask) return false;
      k.upgraded = k.upgraded || upgrade;
      return true;  // nothing new to learn (FastTrack)
    }
    const bool ordered = k.ordered(x->clock, record_slot(*x));
    if (record_write(*x)) {
      if (!ordered && !(atomic && record_atomic(*x))) finding.consider(*x, overlap);
    } else if (write) {
      if (!ordered && !(k.atomic && (record_atomic(*x) || k.plain_loads_acquire)))
        finding.consider(*x, overlap);
    } else if (!ordered && record_slot(*x) != k.slot) {
      return false;  // concurrent reads: a read set, byte by byte
    }
  }
  ShadowRecordShm kept[2];
  unsigned count = 0;
  for (ShadowRecordShm *x : r) {
    if (x->clock == 0) continue;
    // A write replaces both sides of its bytes, a read only the read side.
    if (!write && record_write(*x)) {
      kept[count++] = *x;
      continue;
    }
    ShadowRecordShm rest = *x;
    const uint8_t left = static_cast<uint8_t>(x->mask & ~mask);
    if (left == 0) continue;
    uint8_t index[8] = {};
    for (unsigned b = 0; b < 8; ++b)
      if ((left >> b) & 1) index[b] = record_index(*x, b);
    if (!represent_indexes(index, left, rest)) return false;
    kept[count++] = rest;
  }
  ShadowRecordShm mine{};
  mine.clock = k.now;
  mine.ctx = k.ctx;
  mine.bits = static_cast<uint16_t>(k.slot | (write ? kRecordWrite : 0) |
                                    (atomic ? kRecordAtomic : 0));
  const unsigned lo = static_cast<unsigned>(__builtin_ctz(mask));
  uint8_t index[8] = {};
  for (unsigned b = lo; b < 8; ++b) index[b] = small_index(first_index + (b - lo));
  if (!represent_indexes(index, mask, mine) || !add_record(kept, count, mine)) return false;

  if (finding.record != nullptr) {
    const ShadowRecordShm &x = *finding.record;
    AccessType type = record_write(x)
                          ? (record_atomic(x) ? AccessType::AtomicWrite : AccessType::Write)
                          : (record_atomic(x) ? AccessType::AtomicRead : AccessType::Read);
    k.note(base + finding.byte, x.ctx, type, record_index(x, finding.byte));
  }
  k.upgraded = k.upgraded || upgrade;
  ShadowWordShm out{};
  for (unsigned i = 0; i < count; ++i) out.records[i] = kept[i];
  word = out;
  return true;
}

// Pool exhausted: the word keeps only what this access did to its bytes
// (earlier accesses to the word are forgotten: possible misses, counted,
// never a false report).
void keep_lossily(ShadowWordShm &word, const ShadowCellShm cells[8], uint8_t mask, bool write) {
  ShadowCellShm kept[8] = {};
  for (unsigned b = 0; b < 8; ++b) {
    if (!((mask >> b) & 1)) continue;
    kept[b] = cells[b];
    if (write) {
      kept[b].read_clock = 0;
      kept[b].flags &= kWriteAtomic;
    } else {
      kept[b].write_clock = 0;
      kept[b].flags &= kReadAtomic;
      if (cells[b].flags & kReadShared) kept[b].read_clock = 0;
    }
  }
  if (!encode_word(kept, word)) word = ShadowWordShm{};
  state().header.expanded_exhausted.fetch_add(1, std::memory_order_relaxed);
}

void check_word(Checker &k, SegmentRef segment, uint32_t generation, ShadowWordShm &word,
                uint64_t w, unsigned lo, unsigned hi, uint64_t first_index, bool write) {
  const uint64_t base = w * 8;
  const uint8_t mask = byte_mask(lo, hi);
  if (uint32_t ref = expanded_ref(word)) {
    if (ExpandedWordShm *block = expanded_at(ref, segment, generation, w)) {
      check_cells(k, block->cells, lo, hi, base, first_index, write);
      // A write over the whole word usually leaves one record's worth.
      ShadowWordShm compact;
      if (write && mask == 0xff && encode_word(block->cells, compact)) {
        word = compact;
        expanded_free(ref);
      }
      return;
    }
    word = ShadowWordShm{};  // a stale or damaged reference: start afresh
  }
  if (check_records(k, word, mask, base, first_index, write)) return;
  ShadowCellShm cells[8];
  decode_word(word, cells);
  check_cells(k, cells, lo, hi, base, first_index, write);
  if (encode_word(cells, word)) return;
  if (uint32_t ref = expanded_alloc(segment, generation, w)) {
    ExpandedWordShm *block = expanded_at(ref, segment, generation, w);
    for (unsigned b = 0; b < 8; ++b) block->cells[b] = cells[b];
    set_expanded(word, ref);
    return;
  }
  for (unsigned b = 0; b < 8; ++b)
    if (cells[b].flags & kReadShared) read_set_free_chain(cells[b].read_clock);
  keep_lossily(word, cells, mask, write);
}

// The write side of byte `offset`: its clock (0: never written) and whether
// that write was atomic. Stripe lock held, or a stale answer acceptable.
bool byte_written_atomically(const LocalSegment &local, SegmentRef segment, uint64_t offset) {
  const ShadowWordShm &word = local.words[offset / 8];
  const unsigned b = offset % 8;
  if (uint32_t ref = expanded_ref(word)) {
    const ExpandedWordShm *block = expanded_at(ref, segment, local.generation, offset / 8);
    if (block == nullptr) return false;
    const ShadowCellShm &cell = block->cells[b];
    return __atomic_load_n(&cell.write_clock, __ATOMIC_RELAXED) != 0 &&
           (__atomic_load_n(&cell.flags, __ATOMIC_RELAXED) & kWriteAtomic) != 0;
  }
  for (const ShadowRecordShm &r : word.records) {
    const ShadowRecordShm copy = r;
    if (record_live(copy) && record_write(copy) && ((copy.mask >> b) & 1))
      return record_atomic(copy);
  }
  return false;
}

}  // namespace

void access(ThreadState *thread, SegmentRef segment, uint64_t offset, uint64_t size,
            AccessType type, MemoryOrder order, const StackTrace &stack) {
  if (thread == nullptr || size == 0 || segment >= kMaxSegments ||
      !g_runtime.enabled.load(std::memory_order_relaxed))
    return;
  LocalSegment &local = g_runtime.segments[segment];
  ShadowHeaderShm *shadow = local.shadow.load(std::memory_order_acquire);
  if (shadow == nullptr || offset >= local.size) return;
  if (size > local.size - offset) size = local.size - offset;

  take_pending_acquire(thread);
  const SyncWordTyping typing = type_access(segment, offset, size, type, order);
  type = typing.type;
  order = typing.order;
  const bool atomic = is_atomic(type);
  const bool write = is_write(type);
  const SyncKey location{SyncKind::InSegment, segment, offset};
  if (atomic && type != AccessType::AtomicWrite && has_acquire(order)) acquire(thread, location);

  Checker k;
  k.vc = thread->shm->vc.c;
  k.slot = static_cast<uint8_t>(thread->slot);
  k.now = thread->own_clock();
  k.ctx = make_context(thread, stack, type, size);
  k.atomic = atomic;
  k.plain_loads_acquire = g_runtime.options.atomic_plain_loads && !g_runtime.exact_plain_loads;

  ShadowWordShm *words = local.words;
  const uint32_t generation = local.generation;
  const uint64_t end = offset + size;
  for (uint64_t pos = offset; pos < end;) {
    const uint64_t chunk_end = (pos | ((1u << kShadowStripeShift) - 1)) + 1;
    const uint64_t stop = chunk_end < end ? chunk_end : end;
    if (!shadow_committed(local, pos / 8, (stop - 1) / 8)) {
      pos = stop;  // no room for this part's state: left unchecked
      continue;
    }
    RobustLock lock(shadow->stripes[(pos >> kShadowStripeShift) % kShadowStripes],
                    SignalsStayOpen{});
    if (!lock.ok()) return;
    while (pos < stop) {
      const uint64_t w = pos / 8;
      const uint64_t word_stop = (w + 1) * 8 < stop ? (w + 1) * 8 : stop;
      check_word(k, segment, generation, words[w], w, static_cast<unsigned>(pos - w * 8),
                 static_cast<unsigned>(word_stop - w * 8), pos - offset, write);
      pos = word_stop;
    }
  }

  if (k.upgraded) acquire(thread, location);
  if (atomic && type != AccessType::AtomicRead && has_release(order)) release(thread, location);
  if (typing.acquire_after) defer_acquire(thread, segment, offset);
  if (type == AccessType::AtomicWrite) spin_store(thread, segment, offset);

  if (k.found) {
    RaceFacts facts{};
    facts.segment = segment;
    facts.byte_offset = k.byte_offset;
    facts.access_offset = offset;
    facts.access_size = size;
    facts.access_type = static_cast<uint8_t>(type);
    facts.current_ctx = k.ctx;
    facts.previous_ctx = k.previous_ctx;
    facts.previous_type = static_cast<uint8_t>(k.previous_type);
    facts.previous_index = k.previous_index;
    queue_race(thread, facts);
  }
}

bool written_atomically(SegmentRef segment, uint64_t offset) {
  if (segment >= kMaxSegments || !g_runtime.enabled.load(std::memory_order_relaxed))
    return false;
  const LocalSegment &local = g_runtime.segments[segment];
  ShadowHeaderShm *shadow = local.shadow.load(std::memory_order_acquire);
  if (shadow == nullptr || offset >= local.size) return false;
  // Without the cell's lock: a stale answer only decides whether a page may
  // be sampled.
  return byte_written_atomically(local, segment, offset);
}

void access_completed(ThreadState *thread, SegmentRef segment, uint64_t offset, uint64_t size,
                      AccessType type, MemoryOrder order) {
  if (thread == nullptr || size == 0 || segment >= kMaxSegments ||
      !g_runtime.enabled.load(std::memory_order_relaxed))
    return;
  LocalSegment &local = g_runtime.segments[segment];
  ShadowHeaderShm *shadow = local.shadow.load(std::memory_order_acquire);
  if (shadow == nullptr || offset >= local.size) return;
  if (type == AccessType::Read && thread->acquire_pending &&
      thread->pending_segment == segment && thread->pending_offset == offset) {
    take_pending_acquire(thread);  // a plain load of a sync word
    return;
  }
  const SyncKey location{SyncKind::InSegment, segment, offset};
  bool acquires = (type == AccessType::AtomicRead || type == AccessType::AtomicUpdate) &&
                  has_acquire(order);
  if (type == AccessType::Read && g_runtime.options.atomic_plain_loads &&
      !g_runtime.exact_plain_loads) {
    // Re-read the flag under the cell's lock: a plain load acquires only when
    // the byte was last written atomically.
    RobustLock lock(shadow->stripes[(offset >> kShadowStripeShift) % kShadowStripes],
                    SignalsStayOpen{});
    if (!lock.ok()) return;
    acquires = byte_written_atomically(local, segment, offset);
  }
  if (acquires) acquire(thread, location);
}

}  // namespace shmcheck::core
