// The segments this process has attached, as the application sees them, and
// the unprotected alias view the runtime keeps of each.
//
// Writers (shmat, shmdt, fork) hold the trap lock with signals blocked.
// Readers are the fault handler (under the trap lock) and interceptors that
// translate addresses (without it): an entry is filled before it is published
// and slots are reused round-robin, so a reader racing with the detach of the
// very segment it is using (an application bug in itself) sees stale, not
// torn, data.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "core/core_api.h"

namespace shmcheck::trap {

inline constexpr size_t kMaxAttachments = 256;
inline constexpr uintptr_t kPageSize = 4096;

inline uintptr_t page_down(uintptr_t a) { return a & ~(kPageSize - 1); }
inline uintptr_t page_up(uintptr_t a) {
  return (a + kPageSize - 1) & ~(kPageSize - 1);
}

// One piece of a watched mapping. A System V attachment or a POSIX mapping
// starts as one piece; munmap, mprotect and mremap of part of it split it,
// so that each piece has one protection and one place in the object.
struct Attachment {
  uintptr_t base = 0;    // where the application sees the piece
  uint64_t size = 0;     // bytes of the piece that belong to the object
                         // (a SysV segment's last page has a tail that does not)
  uintptr_t mapped = 0;  // the piece's length, whole pages
  uintptr_t alias = 0;   // unprotected view of the same pages
  uint64_t object_offset = 0;  // offset of `base` in the segment or object
  core::SegmentIdentity identity{core::SegmentKind::SysV, 0, 0};
  int shmid = -1;        // System V only
  uint64_t key = 0;      // System V only
  // System V only: the address shmat returned (what shmdt names; every
  // piece of the attachment keeps it) and the alias attachment's address.
  // The alias of a SysV attachment stays whole until the last piece goes.
  uintptr_t origin = 0;
  uintptr_t origin_alias = 0;
  core::SegmentRef segment = core::kNoSegment;
  // What the application asked for (PROT_* bits). The view itself stays
  // PROT_NONE; the alias has this protection, so the runtime never does
  // through the alias what the application could not do through its view.
  int prot = 3;  // PROT_READ | PROT_WRITE
  // Accesses trap (the view is PROT_NONE between them). False for an
  // attachment the runtime could not alias: it is then simply unchecked.
  bool watched = false;
  // An opened step unprotects the whole view instead of single pages:
  // mprotect on part of a SysV mapping splits it into separate mappings for
  // good (and each one counts in shm_nattch), so small segments, where
  // toggling everything costs no more, avoid splitting at all.
  bool whole_toggle = false;

  bool contains(uintptr_t address) const { return address - base < mapped; }
  bool is_sysv() const { return identity.kind == core::SegmentKind::SysV; }
  // x86 without protection keys: write and exec imply read.
  bool readable() const { return (prot & 7) != 0; }
  bool writable() const { return (prot & 2) != 0; }
  int protection() const { return prot; }
  // The offset in the segment or object of `address` inside the piece.
  uint64_t offset_of(uintptr_t address) const {
    return object_offset + (address - base);
  }
};

// Copies the watched attachment containing `address` into `out`.
bool find_attachment(uintptr_t address, Attachment *out);
// The same without the copy, for the interceptors' hot paths that need one
// or two fields: the entry in the table (as stale as a copy would be when
// the attachment goes away meanwhile), or nullptr.
const Attachment *watched_attachment(uintptr_t address);
// Copies the attachment (watched or not) starting exactly at `base`.
bool find_attachment_at(uintptr_t base, Attachment *out);
// True while any attachment is watched: the interceptors' fast path.
bool any_watched();

// The address the runtime uses for `address`: inside a watched attachment
// with an alias, the same offset in the alias; otherwise `address` itself.
void *alias_of(const volatile void *address);

// Calls fn(attachment) for every live attachment.
template <typename Fn>
void for_each_attachment(Fn &&fn);

// One range [lo, hi) covering every watched attachment (lo == hi: none), so
// that the instrumentation entry points dismiss an address outside all
// segments with one comparison. Updated by add/remove; a reader that mixes
// the old and the new bound still covers every attachment present in both
// tables (bounds only widen around what stays), and anything it wrongly
// lets through is settled by the exact lookup.
struct WatchedBounds {
  std::atomic<uintptr_t> lo;
  std::atomic<uintptr_t> hi;
  // Bumped on every change of the table: lets a thread keep the attachment
  // it found last and know when that copy went stale.
  std::atomic<uint64_t> generation;
};
extern WatchedBounds g_watched_bounds;

inline bool maybe_watched(uintptr_t address) {
  const uintptr_t lo = g_watched_bounds.lo.load(std::memory_order_relaxed);
  const uintptr_t hi = g_watched_bounds.hi.load(std::memory_order_relaxed);
  return address - lo < hi - lo;
}
inline uint64_t attachments_generation() {
  return g_watched_bounds.generation.load(std::memory_order_acquire);
}

// With the trap lock held:
bool add_attachment(const Attachment &attachment);
void remove_attachment_at(uintptr_t base);
// Replaces the piece starting at `base` by `count` pieces (none: removes
// it; one: changes it; two: splits it). The new pieces are published before
// the old one goes, so a reader without the lock never misses an address
// that stays watched. False (and nothing changed) when the table is full or
// no piece starts at `base`.
bool replace_attachment(uintptr_t base, const Attachment *pieces, size_t count);
// Counts the pieces of live System V attachments of `shmid` (the
// application's mappings, as the kernel would count them without the
// runtime; not aliases).
size_t count_attachments_of(int shmid);

// --- implementation details for for_each_attachment ------------------------
const Attachment *attachment_slot(size_t index);  // nullptr when free
size_t attachment_slots_in_use();

template <typename Fn>
void for_each_attachment(Fn &&fn) {
  const size_t n = attachment_slots_in_use();
  for (size_t i = 0; i < n; ++i)
    if (const Attachment *a = attachment_slot(i))
      fn(*a);
}

}  // namespace shmcheck::trap
