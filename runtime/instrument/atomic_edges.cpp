#include "instrument/atomic_edges.h"

#include "instrument/shadow_stack.h"
#include "interpose/runtime_state.h"
#include "trap/stack_capture.h"

namespace shmcheck::instrument {

namespace {

inline constexpr uint32_t kPendingLoads = 8;  // a power of two

// Per thread: what fences still have to order.
struct FenceState {
  // Locations of the last relaxed loads (and failed relaxed
  // compare-exchanges): an acquire fence acquires them.
  core::SyncKey pending[kPendingLoads];
  uint32_t pending_count;
  // A release fence was executed: every later store releases.
  bool release_fence_seen;
};
__thread FenceState t_fences __attribute__((tls_model("initial-exec")));

core::SyncKey key_of(const SharedPlace &place) {
  return {core::SyncKind::InSegment, place.segment, place.offset};
}

void remember_relaxed_load(const core::SyncKey &key) {
  FenceState &f = t_fences;
  f.pending[f.pending_count & (kPendingLoads - 1)] = key;
  ++f.pending_count;
}

}  // namespace

AtomicSite::AtomicSite(const volatile void *address, uint64_t size,
                       uintptr_t pc)
    : size_(size), pc_(pc) {
  core::ThreadState *thread = recording_thread();
  if (thread == nullptr ||
      !find_shared(reinterpret_cast<uintptr_t>(address), &place_))
    return;
  if (size_ > place_.remaining)
    size_ = place_.remaining;
  thread_ = thread;
}

void AtomicSite::before_store(int order) {
  if (thread_ == nullptr)
    return;
  if (has_release(order) || t_fences.release_fence_seen) {
    interpose::RuntimeScope scope;
    core::release(thread_, key_of(place_));
  }
}

void AtomicSite::after(core::AccessType type, int order) {
  if (thread_ == nullptr)
    return;
  uintptr_t frames[trap::kMaxFrames];
  const core::StackTrace stack{
      frames,
      static_cast<uint32_t>(capture_stack(pc_, frames, trap::kMaxFrames))};
  interpose::RuntimeScope scope;
  // Order 0: the edges are taken here, around the real operation.
  core::access(thread_, place_.segment, place_.offset, size_, type, 0, stack);
  if (type == core::AccessType::AtomicWrite)
    return;
  if (has_acquire(order))
    core::acquire(thread_, key_of(place_));
  else
    remember_relaxed_load(key_of(place_));
}

void AtomicSite::update_values(uint64_t before, uint64_t after,
                               bool exchange) {
  if (thread_ == nullptr)
    return;
  interpose::RuntimeScope scope;
  core::atomic_update_done(thread_, place_.segment, place_.offset, size_,
                           before, after, exchange);
}

void fence_edges(int order) {
  FenceState &f = t_fences;
  if (has_release(order))
    f.release_fence_seen = true;
  if (!has_acquire(order) || f.pending_count == 0)
    return;
  core::ThreadState *thread = recording_thread();
  if (thread != nullptr) {
    interpose::RuntimeScope scope;
    const uint32_t n =
        f.pending_count < kPendingLoads ? f.pending_count : kPendingLoads;
    for (uint32_t i = 0; i < n; ++i)
      core::acquire(thread, f.pending[i]);
  }
  f.pending_count = 0;
}

}  // namespace shmcheck::instrument
