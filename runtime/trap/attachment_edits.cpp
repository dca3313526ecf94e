#include "trap/attachment_edits.h"

#include <sys/syscall.h>

#include "interpose/runtime_state.h"
#include "trap/raw_syscall.h"
#include "trap/safe_log.h"

namespace shmcheck::trap {

namespace {

void note_again(core::SegmentRef segment, EditOutcome *out) {
  if (segment == core::kNoSegment)
    return;
  if (out->again_count < sizeof(out->again) / sizeof(out->again[0]))
    out->again[out->again_count++] = segment;
}

void note_detached(core::SegmentRef segment, EditOutcome *out) {
  if (segment != core::kNoSegment && out->detached_count < kMaxAttachments)
    out->detached[out->detached_count++] = segment;
}

bool sysv_origin_left(uintptr_t origin) {
  bool left = false;
  for_each_attachment([&](const Attachment &a) {
    if (a.is_sysv() && a.origin == origin)
      left = true;
  });
  return left;
}

// The pieces' aliases are the runtime's own mappings: unmapped with raw
// system calls, never through the interceptors.
void release_alias(const Attachment &piece) {
  if (piece.alias == 0)
    return;
  if (!piece.is_sysv()) {
    raw_syscall(SYS_munmap, static_cast<long>(piece.alias),
                static_cast<long>(piece.mapped));
  } else if (piece.origin_alias != 0 && !sysv_origin_left(piece.origin)) {
    raw_syscall(SYS_shmdt, static_cast<long>(piece.origin_alias));
  }
}

// The table has no room to split `piece`: it is no longer watched. Its view
// gets the application's protection back (the kernel still has it mapped
// as the application made it), so the program goes on, unchecked there.
void unwatch(const Attachment &piece, EditOutcome *out) {
  remove_attachment_at(piece.base);
  release_alias(piece);
  raw_syscall(SYS_mprotect, static_cast<long>(piece.base),
              static_cast<long>(piece.mapped), piece.prot);
  note_detached(piece.segment, out);
  out->incomplete = true;
  SafeLine().text("too many watched pieces of mappings; ").hex(piece.base)
      .text(" is no longer checked").emit();
}

}  // namespace

void split_at(uintptr_t address, EditOutcome *out) {
  // The kernel refuses unaligned ranges; pieces end on page boundaries.
  if ((address & (kPageSize - 1)) != 0)
    return;
  Attachment whole;
  if (!find_attachment(address, &whole) || whole.base == address)
    return;
  const uintptr_t cut = address - whole.base;
  Attachment halves[2] = {whole, whole};
  halves[0].mapped = cut;
  halves[0].size = whole.size < cut ? whole.size : cut;
  halves[1].base = address;
  halves[1].mapped = whole.mapped - cut;
  halves[1].size = whole.size > cut ? whole.size - cut : 0;
  halves[1].object_offset = whole.object_offset + cut;
  halves[1].alias = whole.alias != 0 ? whole.alias + cut : 0;
  if (!replace_attachment(whole.base, halves, 2)) {
    unwatch(whole, out);
    return;
  }
  note_again(whole.segment, out);
}

size_t bases_inside(uintptr_t start, uintptr_t end, uintptr_t *bases) {
  size_t count = 0;
  for_each_attachment([&](const Attachment &a) {
    if (count < kMaxAttachments && a.base >= start && a.base < end)
      bases[count++] = a.base;
  });
  return count;
}

void forget_range(uintptr_t start, uintptr_t end, EditOutcome *out) {
  split_at(start, out);
  split_at(end, out);
  uintptr_t bases[kMaxAttachments];
  const size_t count = bases_inside(start, end, bases);
  for (size_t i = 0; i < count; ++i) {
    Attachment piece;
    if (!find_attachment_at(bases[i], &piece))
      continue;
    remove_attachment_at(piece.base);
    release_alias(piece);
    if (piece.watched)
      note_detached(piece.segment, out);
  }
}

void unwatch_range(uintptr_t start, uintptr_t end, EditOutcome *out) {
  change_range(start, end, [&](Attachment &piece) {
    if (!piece.watched)
      return;
    raw_syscall(SYS_mprotect, static_cast<long>(piece.base),
                static_cast<long>(piece.mapped), piece.prot);
    piece.watched = false;
    note_detached(piece.segment, out);
  }, out);
}

void finish_edit(const EditOutcome &outcome) {
  if (!interpose::checking())
    return;
  interpose::RuntimeScope scope;
  // Additions first: a segment whose pieces are only rearranged never
  // drops to no attachment on the way.
  for (size_t i = 0; i < outcome.again_count; ++i)
    core::segment_attached_again(outcome.again[i]);
  for (size_t i = 0; i < outcome.detached_count; ++i)
    core::segment_detached(outcome.detached[i]);
}

}  // namespace shmcheck::trap
