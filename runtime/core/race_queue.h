// Races waiting to be printed, in the shared state.
//
// access() finds a race in signal context, so it only fills a ReportShm; the
// report writer (flush_reports) formats it later in normal context. Because
// the record is shared, a race found by a process that dies before printing
// is printed by the next process that flushes.
//
// De-duplication happens twice, both in the shared state so it holds across
// processes: here by the pair of top-frame pcs (cheap, signal-safe), and in
// the writer by the pair of source lines.
#pragma once

#include <atomic>
#include <cstdint>

#include "shared_layout.h"

namespace shmcheck::core {

struct ThreadState;

// What access() knows about a race.
struct RaceFacts {
  uint32_t segment;
  uint64_t byte_offset;      // first byte found racing
  uint64_t access_offset;    // start of the current access
  uint64_t access_size;
  uint8_t access_type;       // AccessType
  uint32_t current_ctx;
  uint32_t previous_ctx;
  uint8_t previous_type;     // AccessType
  uint8_t previous_index;    // racing byte's position in the earlier access
};

// [signal-safe] Queues a report unless the same pair of pcs was already
// reported (or the queue is full: counted in reports_dropped).
void queue_race(ThreadState *thread, const RaceFacts &facts);

// [signal-safe] Both parties of a race learn that they took part in it (the
// exit code), even when the other process is the one that writes the report.
// No-op when the process entry has been reused since.
void mark_involved(uint16_t process, uint64_t incarnation);

// [signal-safe] Inserts `key` (non-zero) into a shared set; false when it was
// already there. A full set admits everything (a duplicate beats a loss).
bool dedup_insert(std::atomic<uint64_t> *set, uint32_t size, uint64_t key);

// Whether a race between the sites `here` and `there` (0: the earlier
// access's history is lost) is the first of its kind in `set`
// (kDedupSlots entries), remembering it.
bool first_of_its_kind(std::atomic<uint64_t> *set, uint64_t here, uint64_t there);

inline uint64_t unordered_pair_key(uint64_t x, uint64_t y) {
  uint64_t lo = x < y ? x : y, hi = x < y ? y : x;
  uint64_t h = lo * 0x9e3779b97f4a7c15ull;
  h ^= hi + 0x632be59bd9b4e019ull + (h << 6) + (h >> 2);
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h | 1;
}

}  // namespace shmcheck::core
