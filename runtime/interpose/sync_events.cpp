#include "interpose/sync_events.h"

#include "interpose/runtime_state.h"

namespace shmcheck::interpose {

namespace {

core::ThreadState *registered_thread() {
  return should_check() ? core::current_thread() : nullptr;
}

}  // namespace

core::SyncKey sync_key_for(const volatile void *object) {
  const auto address = reinterpret_cast<uintptr_t>(object);
  trap::Attachment a;
  if (trap::any_watched() && trap::find_attachment(address, &a) &&
      a.segment != core::kNoSegment)
    return {core::SyncKind::InSegment, a.segment, a.offset_of(address)};
  return {core::SyncKind::ProcessLocal, core::process_incarnation(), address};
}

void acquire_event(const core::SyncKey &key) {
  if (core::ThreadState *thread = registered_thread()) {
    RuntimeScope scope;
    core::acquire(thread, key);
  }
}

void release_event(const core::SyncKey &key) {
  if (core::ThreadState *thread = registered_thread()) {
    RuntimeScope scope;
    core::release(thread, key);
  }
}

void lock_taken(const core::SyncKey &key, bool shared) {
  if (core::ThreadState *thread = registered_thread()) {
    RuntimeScope scope;
    core::acquire(thread, key);
    core::lock_held(thread, key, shared);
  }
}

void lock_released(const core::SyncKey &key) {
  if (core::ThreadState *thread = registered_thread()) {
    RuntimeScope scope;
    core::lock_dropped(thread, key);
    core::release(thread, key);
  }
}

void sync_destroyed_event(const core::SyncKey &key) {
  if (should_check()) {
    RuntimeScope scope;
    core::sync_destroyed(key);
  }
}

void flush_reports_now() {
  if (should_check()) {
    RuntimeScope scope;
    core::flush_reports();
  }
}

}  // namespace shmcheck::interpose
