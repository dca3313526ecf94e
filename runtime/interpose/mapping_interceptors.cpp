// Shared mappings: mmap watches MAP_SHARED mappings of POSIX objects
// (mapping_watch.h); munmap, mremap and mprotect keep the watched pieces in
// step with what the kernel did to the mappings. A watched view never loses
// its PROT_NONE: the application's protection is kept in the piece (and on
// the alias), and every change of the kernel's mappings and of the table
// happens under the trap lock, so no fault is handled against a stale piece.
#include <sys/mman.h>
#include <sys/syscall.h>

#include <cerrno>
#include <cstdarg>

#include "instrument/instrumented_mode.h"
#include "interpose/interceptor.h"
#include "interpose/mapped_objects.h"
#include "interpose/mapping_watch.h"
#include "interpose/real_functions.h"
#include "interpose/runtime_state.h"
#include "interpose/sync_events.h"
#include "trap/access_recorder.h"
#include "trap/attachment_edits.h"
#include "trap/attachment_table.h"
#include "trap/raw_syscall.h"
#include "trap/trap_lock.h"

using namespace shmcheck;
using namespace shmcheck::interpose;

namespace {

constexpr uintptr_t kWholeToggleLimit = 256 * 1024;
constexpr int kAccessBits = PROT_READ | PROT_WRITE | PROT_EXEC;

bool is_shared(int flags) {
  const int type = flags & MAP_TYPE;
  return type == MAP_SHARED || type == MAP_SHARED_VALIDATE;
}

uintptr_t address_of(const void *p) { return reinterpret_cast<uintptr_t>(p); }

// [start, end) now holds something the kernel just mapped there; pieces
// still listed there are stale (unmapped behind the runtime's back, or
// replaced by MAP_FIXED / MREMAP_FIXED).
void forget_stale(uintptr_t start, uintptr_t end) {
  if (!trap::touches_watched(start, end - start))
    return;
  trap::EditOutcome outcome{};
  {
    trap::SignalsBlocked blocked;
    trap::trap_lock();
    trap::forget_range(start, end, &outcome);
    trap::trap_unlock();
  }
  trap::finish_edit(outcome);
}

// --- mmap --------------------------------------------------------------------

void *map(void *address, size_t length, int prot, int flags, int fd,
          off_t offset, uintptr_t caller) {
  // Resolved before any trap lock is taken: the first lookup goes through
  // the dynamic linker, which has locks of its own.
  const auto real_mmap = real::mmap();
  if (!should_check())
    return real_mmap(address, length, prot, flags, fd, offset);
  void *result;
  if ((flags & MAP_FIXED) && trap::touches_watched(address_of(address), length)) {
    // The new mapping replaces watched pieces: the kernel and the table
    // change together.
    trap::EditOutcome outcome{};
    {
      const uintptr_t start = address_of(address);
      trap::SignalsBlocked blocked;
      trap::trap_lock();
      trap::split_at(start, &outcome);
      trap::split_at(start + trap::page_up(length), &outcome);
      result = real_mmap(address, length, prot, flags, fd, offset);
      if (result != MAP_FAILED)
        trap::forget_range(address_of(result),
                           address_of(result) + trap::page_up(length), &outcome);
      trap::trap_unlock();
    }
    const int saved_errno = errno;
    trap::finish_edit(outcome);
    errno = saved_errno;
  } else {
    result = real_mmap(address, length, prot, flags, fd, offset);
    if (result != MAP_FAILED) {
      const int saved_errno = errno;
      forget_stale(address_of(result), address_of(result) + trap::page_up(length));
      errno = saved_errno;
    }
  }
  // Code may run from an executable mapping: a PROT_NONE view would break it.
  if (result == MAP_FAILED || !is_shared(flags) || (prot & PROT_EXEC) != 0)
    return result;
  const int saved_errno = errno;
  MappedObject object;
  if (identify_mapping(address_of(result), flags, fd, offset, &object)) {
    NewMapping mapping{};
    mapping.view = address_of(result);
    mapping.length = trap::page_up(length);
    mapping.prot = prot;
    mapping.identity = object.identity;
    mapping.object_offset = object.offset;
    mapping.object_size = object.size;
    mapping.description = object.description;
    mapping.dies_with_last_mapping = object.kind != ObjectKind::ShmObject;
    mapping.caller = caller;
    watch_mapping(mapping);
    flush_reports_now();
  }
  errno = saved_errno;
  return result;
}

// --- mremap ------------------------------------------------------------------

// The copy of a System V attachment is not watched (its segment has one
// size, which a copy need not match): it only gets the protection the
// application expects instead of the view's PROT_NONE.
void leave_unwatched(uintptr_t start, uintptr_t length, int prot) {
  trap::raw_syscall(SYS_mprotect, static_cast<long>(start),
                    static_cast<long>(length), prot);
}

// A copy of a watched range (old size 0, or MREMAP_DONTUNMAP): the new
// range maps the same parts of the same objects, and is watched as well.
void watch_copy(uintptr_t old_start, uintptr_t old_length, uintptr_t new_start,
                uintptr_t new_length, uintptr_t caller) {
  forget_stale(new_start, new_start + new_length);
  if (old_length == 0) {
    // The kernel maps new_length bytes of the object from old_start's place
    // in it, whatever the extent of the mapping at old_start.
    trap::Attachment at;
    if (!trap::find_attachment(old_start, &at))
      return;
    if (at.is_sysv()) {
      leave_unwatched(new_start, new_length, at.prot);
      return;
    }
    NewMapping mapping{};
    mapping.view = new_start;
    mapping.length = new_length;
    mapping.prot = at.prot;
    mapping.identity = at.identity;
    mapping.object_offset = at.offset_of(old_start);
    mapping.caller = caller;
    watch_mapping(mapping);
    return;
  }
  uintptr_t bases[trap::kMaxAttachments];
  size_t count = 0;
  trap::for_each_attachment([&](const trap::Attachment &a) {
    if (count < trap::kMaxAttachments && a.base < old_start + old_length &&
        old_start < a.base + a.mapped)
      bases[count++] = a.base;
  });
  for (size_t i = 0; i < count; ++i) {
    trap::Attachment piece;
    if (!trap::find_attachment_at(bases[i], &piece))
      continue;
    const uintptr_t from = piece.base > old_start ? piece.base : old_start;
    uintptr_t to = piece.base + piece.mapped;
    if (to > old_start + old_length)
      to = old_start + old_length;
    if (piece.is_sysv()) {
      leave_unwatched(new_start + (from - old_start), to - from, piece.prot);
      continue;
    }
    NewMapping mapping{};
    mapping.view = new_start + (from - old_start);
    mapping.length = to - from;
    mapping.prot = piece.prot;
    mapping.identity = piece.identity;
    mapping.object_offset = piece.offset_of(from);
    mapping.caller = caller;
    watch_mapping(mapping);
  }
}

// What a grown mapping added at its end, for the core (told after the trap
// lock is released).
struct Growth {
  bool added;
  core::SegmentIdentity identity;
  core::SegmentRef segment;
  uint64_t extent;  // object offset of the end of the new piece
};

// Trap lock held. [start, start + length) extends the mapping whose last
// piece ends at `start`: the same object, on from where that piece ends.
// It is PROT_NONE already (it took the protection of the view it extends).
Growth watch_extension(uintptr_t start, uintptr_t length) {
  Growth growth{};
  trap::Attachment last;
  if (!trap::find_attachment(start - 1, &last))
    return growth;
  if (last.is_sysv()) {
    // A System V segment does not grow: leave the tail as the kernel made it.
    trap::raw_syscall(SYS_mprotect, static_cast<long>(start),
                      static_cast<long>(length), last.prot);
    return growth;
  }
  trap::Attachment piece = last;
  piece.base = start;
  piece.size = length;
  piece.mapped = length;
  piece.object_offset = last.object_offset + last.mapped;
  piece.whole_toggle = length <= kWholeToggleLimit;
  // Unarmed views (instrumented code) have no alias.
  piece.alias = last.alias != 0 ? make_alias(start, length, last.prot) : 0;
  if ((last.alias != 0 && piece.alias == 0) || !trap::add_attachment(piece)) {
    // Unchecked, but usable as the application asked.
    if (piece.alias != 0)
      trap::raw_syscall(SYS_munmap, static_cast<long>(piece.alias),
                        static_cast<long>(length));
    trap::raw_syscall(SYS_mprotect, static_cast<long>(start),
                      static_cast<long>(length), last.prot);
    return growth;
  }
  growth.added = true;
  growth.identity = piece.identity;
  growth.segment = piece.segment;
  growth.extent = piece.object_offset + length;
  return growth;
}

// The new piece counts as an attachment of its segment, whose shadow must
// now reach `extent`.
void finish_growth(const Growth &growth) {
  if (!growth.added || !checking())
    return;
  RuntimeScope scope;
  const core::SegmentRef ref =
      core::segment_attached(growth.identity, growth.extent, nullptr);
  if (ref == growth.segment)
    return;
  // The shadow could not grow: the tail's accesses are ignored by the core,
  // the attachment still counts.
  if (ref != core::kNoSegment)
    core::segment_detached(ref);
  core::segment_attached_again(growth.segment);
}

// Moves and/or resizes a watched range. The kernel requires the old range
// to lie in one mapping, so it is one object with contiguous offsets.
void *move_watched(void *old_address, size_t old_size, size_t new_size,
                   int flags, void *new_address) {
  const uintptr_t old_start = address_of(old_address);
  const uintptr_t old_length = trap::page_up(old_size);
  const uintptr_t new_length = trap::page_up(new_size);
  trap::EditOutcome outcome{};
  Growth growth{};
  void *result;
  const auto real_mremap = real::mremap();
  {
    trap::SignalsBlocked blocked;
    trap::trap_lock();
    trap::split_at(old_start, &outcome);
    trap::split_at(old_start + old_length, &outcome);
    if (new_length < old_length)
      trap::split_at(old_start + new_length, &outcome);
    result = real_mremap(old_address, old_size, new_size, flags, new_address);
    if (result != MAP_FAILED) {
      const uintptr_t new_start = address_of(result);
      const uintptr_t kept = old_length < new_length ? old_length : new_length;
      if (new_length < old_length)
        trap::forget_range(old_start + new_length, old_start + old_length, &outcome);
      if (new_start != old_start) {
        // Anything listed where the mapping went is stale.
        trap::forget_range(new_start, new_start + new_length, &outcome);
        const uintptr_t delta = new_start - old_start;
        trap::change_range(
            old_start, old_start + kept,
            [&](trap::Attachment &piece) {
              if (piece.is_sysv() && piece.origin >= old_start &&
                  piece.origin < old_start + kept)
                piece.origin += delta;
              piece.base += delta;
            },
            &outcome);
      }
      if (new_length > old_length)
        growth = watch_extension(new_start + old_length, new_length - old_length);
    }
    trap::trap_unlock();
  }
  const int saved_errno = errno;
  trap::finish_edit(outcome);
  finish_growth(growth);
  flush_reports_now();
  errno = saved_errno;
  return result;
}

// --- mprotect ----------------------------------------------------------------

// The part of one watched piece that an mprotect call covers, seen through
// the piece's alias (0: the piece has none).
struct ProtectedPart {
  uintptr_t alias;
  uintptr_t length;
  int old_prot;
};

size_t parts_in(uintptr_t start, uintptr_t end, ProtectedPart *parts) {
  size_t count = 0;
  trap::for_each_attachment([&](const trap::Attachment &a) {
    if (count == trap::kMaxAttachments || !a.watched ||
        !(a.base < end && start < a.base + a.mapped))
      return;
    const uintptr_t from = a.base > start ? a.base : start;
    const uintptr_t to = a.base + a.mapped < end ? a.base + a.mapped : end;
    parts[count++] = {a.alias != 0 ? a.alias + (from - a.base) : 0, to - from, a.prot};
  });
  return count;
}

void protect_aliases(const ProtectedPart *parts, size_t count, bool restore, int prot) {
  for (size_t i = 0; i < count; ++i)
    if (parts[i].alias != 0)
      trap::raw_syscall(SYS_mprotect, static_cast<long>(parts[i].alias),
                        static_cast<long>(parts[i].length),
                        restore ? parts[i].old_prot : prot & ~PROT_EXEC);
}

// Armed views stay PROT_NONE. The kernel's verdict comes from the aliases
// (they map the same pages with the same rights as the view: EACCES for
// writing through a read-only descriptor...); the unwatched parts of the
// range get the real call. Returns 0 or an errno value.
int protect_armed(uintptr_t start, uintptr_t end, int prot,
                  decltype(&::mprotect) real_mprotect) {
  ProtectedPart parts[trap::kMaxAttachments];
  const size_t count = parts_in(start, end, parts);
  for (size_t i = 0; i < count; ++i) {
    const long rc = trap::raw_syscall(SYS_mprotect, static_cast<long>(parts[i].alias),
                                      static_cast<long>(parts[i].length), prot);
    if (rc != 0) {
      protect_aliases(parts, i, true, prot);
      return static_cast<int>(-rc);
    }
  }
  for (uintptr_t at = start; at < end;) {
    trap::Attachment piece;
    if (trap::find_attachment(at, &piece)) {
      at = piece.base + piece.mapped;
      continue;
    }
    uintptr_t gap_end = end;
    trap::for_each_attachment([&](const trap::Attachment &a) {
      if (a.watched && a.base > at && a.base < gap_end)
        gap_end = a.base;
    });
    if (real_mprotect(reinterpret_cast<void *>(at), gap_end - at, prot) != 0) {
      const int error = errno;
      protect_aliases(parts, count, true, prot);
      return error;
    }
    at = gap_end;
  }
  return 0;
}

// Unarmed views (instrumented code is checked without traps) have the
// application's protection: the real call decides and does it all;
// aliases made before the instrumented code started follow.
int protect_unarmed(uintptr_t start, uintptr_t end, int prot,
                    decltype(&::mprotect) real_mprotect) {
  ProtectedPart parts[trap::kMaxAttachments];
  const size_t count = parts_in(start, end, parts);
  if (real_mprotect(reinterpret_cast<void *>(start), end - start, prot) != 0)
    return errno;
  protect_aliases(parts, count, false, prot);
  return 0;
}

// Trap lock held. Gives [start, end) the protection `prot`; the pieces
// keep it as the application's. Returns 0 or an errno value.
int protect(uintptr_t start, uintptr_t end, int prot, decltype(&::mprotect) real_mprotect,
            trap::EditOutcome *outcome) {
  trap::split_at(start, outcome);
  trap::split_at(end, outcome);
  const int error = instrument::instrumented()
                        ? protect_unarmed(start, end, prot, real_mprotect)
                        : protect_armed(start, end, prot, real_mprotect);
  if (error != 0)
    return error;
  if (prot & PROT_EXEC) {
    // Code may run from these pages now: they are no longer watched.
    trap::forget_range(start, end, outcome);
    trap::raw_syscall(SYS_mprotect, static_cast<long>(start),
                      static_cast<long>(end - start), prot);
    return 0;
  }
  trap::change_range(start, end, [prot](trap::Attachment &piece) { piece.prot = prot; },
                     outcome);
  return 0;
}

}  // namespace

SHMCHECK_INTERCEPTOR void *mmap(void *address, size_t length, int prot,
                                int flags, int fd, off_t offset) noexcept {
  return map(address, length, prot, flags, fd, offset,
             reinterpret_cast<uintptr_t>(__builtin_return_address(0)));
}

SHMCHECK_INTERCEPTOR void *mmap64(void *address, size_t length, int prot,
                                  int flags, int fd, off_t offset) noexcept {
  return map(address, length, prot, flags, fd, offset,
             reinterpret_cast<uintptr_t>(__builtin_return_address(0)));
}

SHMCHECK_INTERCEPTOR int munmap(void *address, size_t length) noexcept {
  const uintptr_t start = address_of(address);
  const auto real_munmap = real::munmap();
  if (!should_check() || !trap::touches_watched(start, length))
    return real_munmap(address, length);
  trap::EditOutcome outcome{};
  int rc;
  {
    trap::SignalsBlocked blocked;
    trap::trap_lock();
    trap::split_at(start, &outcome);
    trap::split_at(start + trap::page_up(length), &outcome);
    rc = real_munmap(address, length);
    if (rc == 0)
      trap::forget_range(start, start + trap::page_up(length), &outcome);
    trap::trap_unlock();
  }
  const int saved_errno = errno;
  trap::finish_edit(outcome);
  flush_reports_now();
  errno = saved_errno;
  return rc;
}

SHMCHECK_INTERCEPTOR void *mremap(void *old_address, size_t old_size,
                                  size_t new_size, int flags, ...) noexcept {
  void *new_address = nullptr;
  if (flags & MREMAP_FIXED) {
    va_list args;
    va_start(args, flags);
    new_address = va_arg(args, void *);
    va_end(args);
  }
  const uintptr_t old_start = address_of(old_address);
  if (!should_check() ||
      !trap::touches_watched(old_start, old_size == 0 ? 1 : old_size)) {
    void *result = real::mremap()(old_address, old_size, new_size, flags, new_address);
    if (result != MAP_FAILED && should_check()) {
      const int saved_errno = errno;
      forget_stale(address_of(result), address_of(result) + trap::page_up(new_size));
      errno = saved_errno;
    }
    return result;
  }
  if (old_size != 0 && (flags & MREMAP_DONTUNMAP) == 0)
    return move_watched(old_address, old_size, new_size, flags, new_address);
  void *result = real::mremap()(old_address, old_size, new_size, flags, new_address);
  if (result != MAP_FAILED) {
    const int saved_errno = errno;
    watch_copy(old_start, trap::page_up(old_size), address_of(result),
               trap::page_up(new_size),
               reinterpret_cast<uintptr_t>(__builtin_return_address(0)));
    flush_reports_now();
    errno = saved_errno;
  }
  return result;
}

SHMCHECK_INTERCEPTOR int mprotect(void *address, size_t length, int prot) noexcept {
  const uintptr_t start = address_of(address);
  const uintptr_t end = start + trap::page_up(length);
  const auto real_mprotect = real::mprotect();
  // Anything unusual (unaligned, PROT_GROWSDOWN, wrapping) is the kernel's
  // to refuse or to do: such ranges are never watched shared memory.
  if (!should_check() || (start & (trap::kPageSize - 1)) != 0 ||
      (prot & ~kAccessBits) != 0 || end <= start ||
      !trap::touches_watched(start, end - start))
    return real_mprotect(address, length, prot);
  trap::EditOutcome outcome{};
  int error;
  {
    trap::SignalsBlocked blocked;
    trap::trap_lock();
    error = protect(start, end, prot, real_mprotect, &outcome);
    trap::trap_unlock();
  }
  trap::finish_edit(outcome);
  if (error != 0) {
    errno = error;
    return -1;
  }
  return 0;
}
