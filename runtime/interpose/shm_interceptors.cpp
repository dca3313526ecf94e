// System V shared memory: every attachment becomes a watched view (PROT_NONE,
// accesses trap) plus an unprotected alias of the same segment that the
// runtime uses for sync objects and system-call buffers.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "core/options.h"
#include "instrument/instrumented_mode.h"
#include "interpose/interceptor.h"
#include "interpose/real_functions.h"
#include "interpose/runtime_state.h"
#include "interpose/sync_events.h"
#include "trap/attachment_edits.h"
#include "trap/attachment_table.h"
#include "trap/raw_syscall.h"
#include "trap/safe_log.h"
#include "trap/stack_capture.h"
#include "trap/trap_lock.h"

using namespace shmcheck;
using namespace shmcheck::interpose;

namespace {

// Up to this size a single step unprotects the whole attachment (one
// mapping, never split); above it only the touched pages (see
// Attachment::whole_toggle).
constexpr uintptr_t kWholeToggleLimit = 256 * 1024;

void warn(const char *what, int shmid, int error) {
  trap::SafeLine().text(what).text(" (shmid ").dec(shmid).text(", errno ")
      .dec(error).text("); this attachment is not checked").emit();
}

// Forgets attachments (and pieces of POSIX mappings) that the kernel
// replaced: shmat with SHM_REMAP over them.
void forget_overlapping(uintptr_t base, uintptr_t mapped) {
  trap::EditOutcome outcome{};
  {
    trap::SignalsBlocked blocked;
    trap::trap_lock();
    trap::forget_range(base, base + mapped, &outcome);
    trap::trap_unlock();
  }
  trap::finish_edit(outcome);
}

// Undoes a watch that could not be completed.
void drop_attachment(const trap::Attachment &a) {
  if (a.alias != 0)
    real::shmdt()(reinterpret_cast<void *>(a.alias));
  if (a.watched && a.segment != core::kNoSegment) {
    RuntimeScope scope;
    core::segment_detached(a.segment);
  }
}

void watch(int shmid, void *view, int flags, uintptr_t caller) {
  struct shmid_ds ds;
  if (real::shmctl()(shmid, IPC_STAT, &ds) != 0) {
    warn("cannot read the segment's size", shmid, errno);
    return;
  }
  trap::Attachment a;
  a.base = reinterpret_cast<uintptr_t>(view);
  a.size = ds.shm_segsz;
  a.mapped = trap::page_up(ds.shm_segsz);
  a.shmid = shmid;
  a.key = static_cast<uint32_t>(ds.shm_perm.__key);
  a.identity = {core::SegmentKind::SysV, static_cast<uint64_t>(shmid), a.key};
  a.origin = a.base;
  a.prot = (flags & SHM_RDONLY) != 0 ? PROT_READ : PROT_READ | PROT_WRITE;
  a.whole_toggle = a.mapped <= kWholeToggleLimit;
  forget_overlapping(a.base, a.mapped);  // SHM_REMAP replaced them
  if (flags & SHM_EXEC)
    return;  // code may run from it: a PROT_NONE view would break that

  // The alias gets the application's own access mode: what the application
  // may not do through its view, the runtime does not do through the alias.
  // Instrumented code is checked without traps: its view stays accessible
  // and needs no alias.
  void *alias = nullptr;
  if (!instrument::instrumented()) {
    alias = real::shmat()(shmid, nullptr, flags & SHM_RDONLY);
    if (alias == reinterpret_cast<void *>(-1)) {
      warn("cannot map a second view of the segment", shmid, errno);
      return;
    }
  }
  a.alias = reinterpret_cast<uintptr_t>(alias);
  a.origin_alias = a.alias;
  {
    uintptr_t frames[trap::kMaxFrames];
    const size_t depth =
        trap::capture_caller_stack(caller, frames, trap::kMaxFrames);
    const core::StackTrace where{frames, static_cast<uint32_t>(depth)};
    RuntimeScope scope;
    a.segment = core::segment_attached(a.identity, a.size, &where);
  }
  if (a.segment == core::kNoSegment) {
    if (alias != nullptr)
      real::shmdt()(alias);
    return;  // the core said why
  }
  a.watched = true;
  if (core::options().verbosity >= 2)
    trap::SafeLine().text("watching shmid ").dec(shmid).text(" (")
        .dec(static_cast<int64_t>(a.size)).text(" bytes) at ").hex(a.base)
        .text(", alias ").hex(a.alias).emit();
  trap::SignalsBlocked blocked;
  trap::trap_lock();
  bool added = trap::add_attachment(a);
  // Checked under the trap lock: enter_instrumented_mode() disarms what was
  // added before it, under the same lock.
  if (added && !instrument::instrumented())
    trap::raw_syscall(SYS_mprotect, static_cast<long>(a.base),
                      static_cast<long>(a.mapped), PROT_NONE);
  trap::trap_unlock();
  if (!added) {
    warn("too many attachments", shmid, 0);
    drop_attachment(a);
  }
}

// Mappings of `shmid` in this process (our aliases and the pieces that
// mprotect split a view into included), from /proc/self/maps, where a SysV
// segment's inode number is its shmid.
long mappings_of(int shmid) {
  const long fd = trap::raw_syscall(SYS_open,
                                    reinterpret_cast<long>("/proc/self/maps"),
                                    O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  long count = 0;
  char buffer[4096];
  char line[512];
  size_t line_length = 0;
  for (;;) {
    const long n = trap::raw_syscall(SYS_read, fd, reinterpret_cast<long>(buffer),
                                     sizeof(buffer));
    if (n <= 0)
      break;
    for (long i = 0; i < n; ++i) {
      if (buffer[i] != '\n') {
        if (line_length + 1 < sizeof(line))
          line[line_length++] = buffer[i];
        continue;
      }
      line[line_length] = '\0';
      line_length = 0;
      // start-end perms offset dev inode path
      const char *field = line;
      for (int skip = 0; skip < 4 && field; ++skip) {
        field = strchr(field, ' ');
        if (field)
          ++field;
      }
      if (field == nullptr || strstr(field, "/SYSV") == nullptr)
        continue;
      if (strtol(field, nullptr, 10) == shmid)
        ++count;
    }
  }
  trap::raw_syscall(SYS_close, fd);
  return count;
}

// shm_nattch counts every mapping of the segment; take out the ones this
// process has only because of the runtime. (Other checked processes' aliases
// still count: see docs/runtime.md.)
void correct_attach_count(int shmid, struct shmid_ds *ds) {
  const long mappings = mappings_of(shmid);
  const long own = static_cast<long>(trap::count_attachments_of(shmid));
  const long extra = mappings - own;
  if (mappings >= 0 && extra > 0 &&
      static_cast<long>(ds->shm_nattch) >= extra)
    ds->shm_nattch -= static_cast<shmatt_t>(extra);
}

}  // namespace

SHMCHECK_INTERCEPTOR int shmget(key_t key, size_t size, int flags) noexcept {
  const int shmid = real::shmget()(key, size, flags);
  flush_reports_now();
  return shmid;
}

SHMCHECK_INTERCEPTOR void *shmat(int shmid, const void *address,
                                 int flags) noexcept {
  void *view = real::shmat()(shmid, address, flags);
  if (view != reinterpret_cast<void *>(-1) && should_check()) {
    const int saved_errno = errno;
    watch(shmid, view, flags,
          reinterpret_cast<uintptr_t>(__builtin_return_address(0)));
    flush_reports_now();
    errno = saved_errno;
  }
  return view;
}

SHMCHECK_INTERCEPTOR int shmdt(const void *address) noexcept {
  if (!should_check())
    return real::shmdt()(address);
  const auto origin = reinterpret_cast<uintptr_t>(address);
  // Every piece of the attachment (mprotect or munmap may have split it).
  core::SegmentRef segments[trap::kMaxAttachments];
  size_t count = 0;
  uintptr_t origin_alias = 0;
  int rc;
  {
    // Under the trap lock: no single step of another thread may re-protect
    // these pages after they are gone (or something new mapped there).
    trap::SignalsBlocked blocked;
    trap::trap_lock();
    rc = real::shmdt()(address);
    if (rc == 0) {
      uintptr_t bases[trap::kMaxAttachments];
      trap::for_each_attachment([&](const trap::Attachment &a) {
        if (a.is_sysv() && a.origin == origin && count < trap::kMaxAttachments) {
          bases[count] = a.base;
          segments[count++] = a.segment;
          origin_alias = a.origin_alias;
        }
      });
      for (size_t i = 0; i < count; ++i)
        trap::remove_attachment_at(bases[i]);
    }
    trap::trap_unlock();
  }
  const int saved_errno = errno;
  if (origin_alias != 0)
    real::shmdt()(reinterpret_cast<void *>(origin_alias));
  for (size_t i = 0; i < count; ++i) {
    if (segments[i] != core::kNoSegment) {
      RuntimeScope scope;
      core::segment_detached(segments[i]);
    }
  }
  flush_reports_now();
  errno = saved_errno;
  return rc;
}

SHMCHECK_INTERCEPTOR int shmctl(int shmid, int cmd,
                                struct shmid_ds *buf) noexcept {
  if (!should_check())
    return real::shmctl()(shmid, cmd, buf);
  switch (cmd) {
    case IPC_STAT:
    case SHM_STAT:
    case SHM_STAT_ANY: {
      // Through a local copy: `buf` may itself lie in a watched segment.
      struct shmid_ds local;
      const int rc = real::shmctl()(shmid, cmd, &local);
      if (rc == -1 || buf == nullptr)
        return rc;
      const int saved_errno = errno;
      correct_attach_count(cmd == IPC_STAT ? shmid : rc, &local);
      *buf = local;
      errno = saved_errno;
      return rc;
    }
    case IPC_SET: {
      struct shmid_ds local;
      if (buf != nullptr)
        local = *buf;
      return real::shmctl()(shmid, cmd, buf != nullptr ? &local : nullptr);
    }
    case IPC_RMID: {
      const int rc = real::shmctl()(shmid, cmd, buf);
      if (rc == 0) {
        const int saved_errno = errno;
        core::SegmentRef done = core::kNoSegment;
        trap::for_each_attachment([&](const trap::Attachment &a) {
          if (a.shmid == shmid && a.watched && a.segment != done) {
            RuntimeScope scope;
            core::segment_removed(a.segment);
            done = a.segment;
          }
        });
        flush_reports_now();
        errno = saved_errno;
      }
      return rc;
    }
    default:
      return real::shmctl()(shmid, cmd, buf);
  }
}
