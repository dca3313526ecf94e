#include "interpose/mapping_watch.h"

#include <sys/mman.h>
#include <sys/syscall.h>

#include "core/options.h"
#include "instrument/instrumented_mode.h"
#include "interpose/runtime_state.h"
#include "trap/attachment_table.h"
#include "trap/raw_syscall.h"
#include "trap/safe_log.h"
#include "trap/stack_capture.h"
#include "trap/trap_lock.h"

namespace shmcheck::interpose {

namespace {

// As for System V attachments (see shm_interceptors.cpp): an opened step
// unprotects the whole piece up to this size.
constexpr uintptr_t kWholeToggleLimit = 256 * 1024;

void warn(const char *what, const NewMapping &m, long error) {
  trap::SafeLine line;
  line.text(what).text(" (").text(m.description ? m.description : "object");
  if (error != 0)
    line.text(", errno ").dec(error);
  line.text("); this mapping is not checked").emit();
}

}  // namespace

uintptr_t make_alias(uintptr_t view, uintptr_t length, int prot, long *error) {
  const long alias = trap::raw_syscall(SYS_mremap, static_cast<long>(view), 0,
                                       static_cast<long>(length), MREMAP_MAYMOVE);
  if (alias < 0 && alias > -4096) {
    if (error != nullptr)
      *error = -alias;
    return 0;
  }
  // The copy has the view's current protection; it must have the
  // application's. PROT_EXEC never: the runtime does not run code there.
  const long rc = trap::raw_syscall(SYS_mprotect, alias, static_cast<long>(length),
                                    prot & (PROT_READ | PROT_WRITE));
  if (rc != 0) {
    trap::raw_syscall(SYS_munmap, alias, static_cast<long>(length));
    if (error != nullptr)
      *error = -rc;
    return 0;
  }
  return static_cast<uintptr_t>(alias);
}

void watch_mapping(const NewMapping &m) {
  trap::Attachment piece;
  piece.base = m.view;
  piece.size = m.length;
  piece.mapped = m.length;
  piece.object_offset = m.object_offset;
  piece.identity = m.identity;
  piece.prot = m.prot;
  piece.whole_toggle = m.length <= kWholeToggleLimit;
  // Unchecked, but as the application made it: a copy made by mremap of a
  // watched view starts out PROT_NONE like that view.
  const auto give_up = [&](const char *why, long error) {
    warn(why, m, error);
    if (piece.alias != 0)
      trap::raw_syscall(SYS_munmap, static_cast<long>(piece.alias),
                        static_cast<long>(piece.mapped));
    trap::raw_syscall(SYS_mprotect, static_cast<long>(m.view),
                      static_cast<long>(m.length), m.prot);
  };
  // Instrumented code is checked without traps: its view stays accessible
  // and needs no alias (see instrument/instrumented_mode.h).
  if (!instrument::instrumented()) {
    long error = 0;
    piece.alias = make_alias(m.view, m.length, m.prot, &error);
    if (piece.alias == 0) {
      give_up("cannot map a second view of the object", error);
      return;
    }
  }
  // The shadow covers everything this mapping can reach, and at least the
  // object as it is now (so that mappings of other parts rarely grow it).
  uint64_t extent = m.object_offset + m.length;
  if (extent < m.object_size)
    extent = m.object_size;
  {
    uintptr_t frames[trap::kMaxFrames];
    const size_t depth =
        trap::capture_caller_stack(m.caller, frames, trap::kMaxFrames);
    const core::StackTrace where{frames, static_cast<uint32_t>(depth)};
    RuntimeScope scope;
    piece.segment = core::segment_attached(m.identity, extent, &where);
    if (piece.segment != core::kNoSegment) {
      if (m.description != nullptr)
        core::segment_named(piece.segment, m.description);
      if (m.dies_with_last_mapping)
        core::segment_removed(piece.segment);
    }
  }
  if (piece.segment == core::kNoSegment) {
    give_up("no shadow for the object (segment table full, or it grew past "
            "what this process reserved)", 0);
    return;
  }
  piece.watched = true;
  if (core::options().verbosity >= 2)
    trap::SafeLine().text("watching ").text(m.description ? m.description : "object")
        .text(" offset ").dec(static_cast<int64_t>(m.object_offset)).text(" (")
        .dec(static_cast<int64_t>(m.length)).text(" bytes) at ").hex(piece.base)
        .text(", alias ").hex(piece.alias).emit();
  bool added;
  {
    trap::SignalsBlocked blocked;
    trap::trap_lock();
    added = trap::add_attachment(piece);
    // Checked under the trap lock: enter_instrumented_mode() disarms what
    // was added before it, under the same lock.
    if (added && !instrument::instrumented())
      trap::raw_syscall(SYS_mprotect, static_cast<long>(piece.base),
                        static_cast<long>(piece.mapped), PROT_NONE);
    trap::trap_unlock();
  }
  if (!added) {
    give_up("too many watched mappings", 0);
    RuntimeScope scope;
    core::segment_detached(piece.segment);
  }
}

}  // namespace shmcheck::interpose
