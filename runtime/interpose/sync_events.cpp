#include "interpose/sync_events.h"

#include "interpose/runtime_state.h"
#include "trap/trap_budget.h"

namespace shmcheck::interpose {

namespace {

// Synchronization calls are where a program that keeps to unprotected
// pages still passes regularly: the trap budget protects due pages again.
core::ThreadState *registered_thread() {
  if (!should_check())
    return nullptr;
  trap::budget_tick();
  return core::current_thread();
}

}  // namespace

core::SyncKey sync_key_for(const volatile void *object) {
  const auto address = reinterpret_cast<uintptr_t>(object);
  const trap::Attachment *a = trap::watched_attachment(address);
  if (a != nullptr && a->segment != core::kNoSegment)
    return {core::SyncKind::InSegment, a->segment, a->offset_of(address)};
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
    // Released before it stops being named as held: a thread killed in
    // between leaves the lock to an EOWNERDEAD locker, which must still find
    // this thread as its owner (core::owner_died) or its clock on the key.
    core::release(thread, key);
    core::lock_dropped(thread, key);
  }
}

void owner_died_event(const core::SyncKey &key) {
  if (core::ThreadState *thread = registered_thread()) {
    RuntimeScope scope;
    core::owner_died(thread, key);
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
