// The annotation API of ThreadSanitizer's interface header
// (sanitizer/tsan_interface.h) and the two happens-before annotations of
// dynamic_annotations.h, so that programs annotated for TSan keep their
// annotations under shmcheck. They are recorded like the interceptors'
// events: a sync object in a segment is named by segment and offset, so the
// annotations of different processes meet.
#include <atomic>

#include "instrument/shadow_stack.h"
#include "instrument/shared_access.h"
#include "interpose/interceptor.h"
#include "interpose/sync_events.h"

using namespace shmcheck;
using namespace shmcheck::instrument;
using namespace shmcheck::interpose;

namespace {

// Flags of the mutex annotations (values of the interface header).
constexpr unsigned kLinkerInit = 1u << 0;
constexpr unsigned kReadLock = 1u << 3;
constexpr unsigned kTryLockFailed = 1u << 5;

// The code between pre_* and post_* is the mutex's own implementation: its
// accesses and atomics are not the program's (the annotation stands for
// them), so they are ignored.
void begin_mutex_internals() { ++t_shadow_stack.ignored; }
void end_mutex_internals() {
  if (t_shadow_stack.ignored != 0)
    --t_shadow_stack.ignored;
}

// Tags of the external race detection API: distinct non-null values the
// program hands back to us. Reports name the accessing code, not the tag.
std::atomic<uintptr_t> g_tags{0};

}  // namespace

SHMCHECK_INTERCEPTOR void __tsan_acquire(void *addr) {
  acquire_event(sync_key_for(addr));
}

SHMCHECK_INTERCEPTOR void __tsan_release(void *addr) {
  release_event(sync_key_for(addr));
}

SHMCHECK_INTERCEPTOR void AnnotateHappensBefore(const char *, int,
                                                const volatile void *addr) {
  release_event(sync_key_for(addr));
}

SHMCHECK_INTERCEPTOR void AnnotateHappensAfter(const char *, int,
                                               const volatile void *addr) {
  acquire_event(sync_key_for(addr));
}

SHMCHECK_INTERCEPTOR void __tsan_mutex_create(void *, unsigned) {}

SHMCHECK_INTERCEPTOR void __tsan_mutex_destroy(void *addr, unsigned flags) {
  if ((flags & kLinkerInit) == 0)
    sync_destroyed_event(sync_key_for(addr));
}

SHMCHECK_INTERCEPTOR void __tsan_mutex_pre_lock(void *, unsigned) {
  begin_mutex_internals();
}

SHMCHECK_INTERCEPTOR void __tsan_mutex_post_lock(void *addr, unsigned flags,
                                                 int) {
  end_mutex_internals();
  if ((flags & kTryLockFailed) == 0)
    lock_taken(sync_key_for(addr), (flags & kReadLock) != 0);
}

SHMCHECK_INTERCEPTOR int __tsan_mutex_pre_unlock(void *addr, unsigned) {
  lock_released(sync_key_for(addr));
  begin_mutex_internals();
  return 0;
}

SHMCHECK_INTERCEPTOR void __tsan_mutex_post_unlock(void *, unsigned) {
  end_mutex_internals();
}

// Signalling a condition releases what the signaller did to the waiter,
// whose post_lock on the mutex then acquires it.
SHMCHECK_INTERCEPTOR void __tsan_mutex_pre_signal(void *addr, unsigned) {
  release_event(sync_key_for(addr));
  begin_mutex_internals();
}

SHMCHECK_INTERCEPTOR void __tsan_mutex_post_signal(void *addr, unsigned) {
  end_mutex_internals();
  acquire_event(sync_key_for(addr));
}

// Inside a lock operation, code unrelated to the mutex runs (a scheduler,
// contention profiling): it is the program's again.
SHMCHECK_INTERCEPTOR void __tsan_mutex_pre_divert(void *, unsigned) {
  end_mutex_internals();
}

SHMCHECK_INTERCEPTOR void __tsan_mutex_post_divert(void *, unsigned) {
  begin_mutex_internals();
}

SHMCHECK_INTERCEPTOR void *__tsan_external_register_tag(const char *) {
  return reinterpret_cast<void *>(g_tags.fetch_add(1, std::memory_order_relaxed) + 1);
}

SHMCHECK_INTERCEPTOR void __tsan_external_register_header(void *,
                                                          const char *) {}

SHMCHECK_INTERCEPTOR void __tsan_external_assign_tag(void *, void *) {}

// An operation of a library that is not instrumented, on the object at
// `addr`, called from `caller_pc`: checked as a one-byte access there.
SHMCHECK_INTERCEPTOR void __tsan_external_read(void *addr, void *caller_pc,
                                               void *) {
  if (maybe_shared(addr))
    record_access(reinterpret_cast<uintptr_t>(addr), 1, core::AccessType::Read,
                  reinterpret_cast<uintptr_t>(caller_pc));
}

SHMCHECK_INTERCEPTOR void __tsan_external_write(void *addr, void *caller_pc,
                                                void *) {
  if (maybe_shared(addr))
    record_access(reinterpret_cast<uintptr_t>(addr), 1,
                  core::AccessType::Write,
                  reinterpret_cast<uintptr_t>(caller_pc));
}
