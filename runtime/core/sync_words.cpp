#include "sync_words.h"

#include <cstdio>

#include "core_state.h"

namespace shmcheck::core {
namespace {

constexpr uint32_t kMaxProbes = 32;
constexpr uint64_t kGranuleBits = 34;     // offsets below 128 GiB
constexpr uint64_t kGenerationBits = 12;  // a reused segment entry starts afresh
constexpr uint64_t kSegmentBits = 10;
static_assert(kMaxSegments <= (1u << kSegmentBits));
static_assert(kGranuleBits + kGenerationBits + kSegmentBits == 56);

constexpr uint64_t kNoKey = ~0ull;

// The granule's key (56 bits), or kNoKey when it cannot be recorded. An
// entry is never 0 even for key 0: its byte mask is not empty.
uint64_t granule_key(SegmentRef segment, uint64_t granule) {
  if (segment >= kMaxSegments || granule >= (1ull << kGranuleBits)) return kNoKey;
  const uint64_t generation = g_runtime.segments[segment].generation & ((1u << kGenerationBits) - 1);
  return (static_cast<uint64_t>(segment) << (kGenerationBits + kGranuleBits)) |
         (generation << kGranuleBits) | granule;
}

uint32_t home_of(uint64_t key) {
  uint64_t h = key * 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 29;
  return static_cast<uint32_t>(h) & (kSyncWordEntries - 1);
}

// Bytes of granule `granule` that [offset, end) covers, as a mask.
uint8_t bytes_in(uint64_t granule, uint64_t offset, uint64_t end) {
  const uint64_t lo = offset > granule * 8 ? offset - granule * 8 : 0;
  const uint64_t hi = end < granule * 8 + 8 ? end - granule * 8 : 8;
  return static_cast<uint8_t>(((1u << hi) - 1) & ~((1u << lo) - 1));
}

SyncWordTableShm &table() { return state().sync_words; }

// The page filter's bit for the page of `granule` (see SyncWordTableShm).
uint32_t page_bit(uint64_t key) {
  const uint64_t page = key >> 9;  // 512 granules of 8 bytes: 4 KiB
  uint64_t h = page * 0x9e3779b97f4a7c15ull;
  h ^= h >> 31;
  return static_cast<uint32_t>(h) & (kSyncWordPageBits - 1);
}

bool page_may_hold(uint64_t key) {
  const uint32_t bit = page_bit(key);
  return (table().pages[bit / 64].load(std::memory_order_relaxed) >> (bit % 64)) & 1;
}

void mark_granule(uint64_t key, uint8_t mask) {
  SyncWordTableShm &t = table();
  // Before the entry: whoever sees the entry sees the page's bit too.
  const uint32_t bit = page_bit(key);
  if (!page_may_hold(key)) t.pages[bit / 64].fetch_or(1ull << (bit % 64), std::memory_order_release);
  const uint64_t wanted = key << 8 | mask;
  uint32_t at = home_of(key);
  for (uint32_t probe = 0; probe < kMaxProbes; ++probe, at = (at + 1) & (kSyncWordEntries - 1)) {
    std::atomic<uint64_t> &entry = t.entries[at];
    uint64_t seen = entry.load(std::memory_order_relaxed);
    if (seen == 0) {
      if (entry.compare_exchange_strong(seen, wanted, std::memory_order_relaxed)) {
        t.used.fetch_add(1, std::memory_order_relaxed);
        return;
      }
      // Another process took the entry meanwhile: maybe for this granule.
    }
    if (seen >> 8 == key) {
      if ((seen & mask) != mask) entry.fetch_or(mask, std::memory_order_relaxed);
      return;
    }
  }
  t.dropped.fetch_add(1, std::memory_order_relaxed);
}

// The recorded bytes of the granule (0 when none).
uint8_t granule_mask(uint64_t key) {
  const SyncWordTableShm &t = table();
  uint32_t at = home_of(key);
  for (uint32_t probe = 0; probe < kMaxProbes; ++probe, at = (at + 1) & (kSyncWordEntries - 1)) {
    const uint64_t seen = t.entries[at].load(std::memory_order_relaxed);
    if (seen == 0) return 0;
    if (seen >> 8 == key) return static_cast<uint8_t>(seen);
  }
  return 0;
}

bool holds_spin(const ThreadState *thread, SegmentRef segment, uint64_t offset) {
  for (uint32_t i = 0; i < thread->nlocks; ++i) {
    const SyncKey &k = thread->locks[i].key;
    if (k.kind == SyncKind::SpinWord && k.a == segment && k.b == offset) return true;
  }
  return false;
}

}  // namespace

void mark_sync_word(SegmentRef segment, uint64_t offset, uint64_t size) {
  if (size == 0 || size > 16) return;  // a locked instruction touches at most 16 bytes
  const uint64_t end = offset + size;
  for (uint64_t granule = offset / 8; granule * 8 < end; ++granule)
    if (uint64_t key = granule_key(segment, granule); key != kNoKey)
      mark_granule(key, bytes_in(granule, offset, end));
}

bool is_sync_word(SegmentRef segment, uint64_t offset, uint64_t size) {
  if (size == 0 || size > 16 || table().used.load(std::memory_order_relaxed) == 0) return false;
  const uint64_t end = offset + size;
  for (uint64_t granule = offset / 8; granule * 8 < end; ++granule) {
    const uint64_t key = granule_key(segment, granule);
    const uint8_t wanted = bytes_in(granule, offset, end);
    if (key == kNoKey || !page_may_hold(key) || (granule_mask(key) & wanted) != wanted)
      return false;
  }
  return true;
}

SyncWordTyping type_access_slow(SegmentRef segment, uint64_t offset, uint64_t size,
                                AccessType type, MemoryOrder order) {
  SyncWordTyping typing{type, order, false};
  if (!g_runtime.options.sync_words) return typing;
  if (type == AccessType::AtomicUpdate) {
    mark_sync_word(segment, offset, size);
  } else if ((type == AccessType::Write || type == AccessType::Read) &&
             is_sync_word(segment, offset, size)) {
    if (type == AccessType::Write) typing = {AccessType::AtomicWrite, 3, false};
    else typing = {AccessType::AtomicRead, 0, true};
  }
  return typing;
}

void defer_acquire(ThreadState *thread, SegmentRef segment, uint64_t offset) {
  take_pending_acquire(thread);  // an earlier one not taken yet
  thread->acquire_pending = true;
  thread->pending_segment = segment;
  thread->pending_offset = offset;
}

void spin_update(ThreadState *thread, SegmentRef segment, uint64_t offset, uint64_t before,
                 uint64_t after, bool exchange) {
  if (thread == nullptr || !g_runtime.options.sync_words) return;
  const SyncKey key{SyncKind::SpinWord, segment, offset};
  const bool held = holds_spin(thread, segment, offset);
  if (exchange && before == 0 && after != 0) {
    if (!held) lock_held(thread, key, false);
  } else if (held) {
    lock_dropped(thread, key);
  }
}

void spin_store(ThreadState *thread, SegmentRef segment, uint64_t offset) {
  if (thread != nullptr && thread->nlocks != 0 && holds_spin(thread, segment, offset))
    lock_dropped(thread, SyncKey{SyncKind::SpinWord, segment, offset});
}

void print_sync_word_counters() {
  char line[160];
  snprintf(line, sizeof line, "shmcheck: pid %d: sync words %llu (%llu not recorded)",
           static_cast<int>(g_runtime.pid),
           static_cast<unsigned long long>(table().used.load(std::memory_order_relaxed)),
           static_cast<unsigned long long>(table().dropped.load(std::memory_order_relaxed)));
  print_error(line);
}

}  // namespace shmcheck::core
