// Edits of the attachment table over a range of addresses, for the calls
// that change mappings under watched pieces: munmap, mremap and mprotect of
// part of a mapping, and a new mapping made over a watched one (MAP_FIXED,
// SHM_REMAP).
//
// Every function here runs with the trap lock held (signals blocked), so no
// fault handler works on a piece while it changes. The core is told about
// the attachments that came and went afterwards, outside the lock
// (finish_edit), because the core takes locks of its own.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/core_api.h"
#include "trap/attachment_table.h"

namespace shmcheck::trap {

struct EditOutcome {
  // A split adds a piece: one more attachment of its segment.
  core::SegmentRef again[8];
  size_t again_count;
  // A piece that went: one fewer.
  core::SegmentRef detached[kMaxAttachments];
  size_t detached_count;
  // The table was full: a piece that had to be split is no longer watched
  // (its view has the application's protection back).
  bool incomplete;
};

// Splits the piece that contains `address` (page-aligned, not its first
// byte) into the part below and the part from `address` on. Callers split
// at the ends of a range before they change the kernel's mappings, so that
// a piece the table has no room to split is unwatched while its view is
// still whole.
void split_at(uintptr_t address, EditOutcome *out);

// Removes every piece inside [start, end) (splitting those that straddle
// its ends first) and unmaps their aliases: the alias range of a POSIX
// piece, the alias attachment of a System V one once none of its pieces is
// left.
void forget_range(uintptr_t start, uintptr_t end, EditOutcome *out);

// Splits at both ends, then leaves every watched piece inside [start, end)
// unwatched: its view gets the application's protection back and the core
// one attachment fewer (the piece stays in the table, as one the runtime
// could not alias would).
void unwatch_range(uintptr_t start, uintptr_t end, EditOutcome *out);

// Splits at both ends, then gives every piece inside [start, end) to
// `change(Attachment &)` and stores what it made of it.
template <typename Change>
void change_range(uintptr_t start, uintptr_t end, Change &&change,
                  EditOutcome *out);

// Normal context, trap lock released: tells the core.
void finish_edit(const EditOutcome &outcome);

// --- implementation details for change_range -------------------------------
size_t bases_inside(uintptr_t start, uintptr_t end, uintptr_t *bases);

template <typename Change>
void change_range(uintptr_t start, uintptr_t end, Change &&change,
                  EditOutcome *out) {
  split_at(start, out);
  split_at(end, out);
  uintptr_t bases[kMaxAttachments];
  const size_t count = bases_inside(start, end, bases);
  for (size_t i = 0; i < count; ++i) {
    Attachment piece;
    if (!find_attachment_at(bases[i], &piece))
      continue;
    change(piece);
    replace_attachment(bases[i], &piece, 1);
  }
}

}  // namespace shmcheck::trap
