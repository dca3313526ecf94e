// Robust mutex recovery: the process that gets EOWNERDEAD repairs what the
// dead owner left, so it must be ordered after everything the owner did. The
// owner never unlocked, so its clock is not on the mutex's key: it is taken
// from the thread slot the owner used, which keeps its last clock after the
// process is gone until another thread reuses the slot.
#include "core_api.h"
#include "core_state.h"
#include "process_registry.h"
#include "robust_mutex.h"
#include "sync_table.h"

namespace shmcheck::core {

namespace {

// Registry lock held: the slot that thread `tid` used. EOWNERDEAD is proof
// enough that the thread died (the kernel hands its robust futexes over
// while the process is still exiting, before it is a zombie), so a live
// slot naming it is its own; else a free one still naming it, which keeps
// its last clock until it is reused.
uint32_t slot_of_dead_thread(pid_t tid) {
  const SharedStateShm &s = state();
  uint32_t freed = kNoIndex;
  for (uint32_t i = 0; i < kMaxSlots; ++i) {
    const ThreadSlotShm &slot = s.slots[i];
    if (!slot.used || slot.tid != static_cast<uint32_t>(tid)) continue;
    if (slot.state == kSlotLive) return i;
    if (slot.state == kSlotFree) freed = i;
  }
  return freed;
}

}  // namespace

void owner_died(ThreadState *thread, const SyncKey &key, pid_t dead_tid) {
  if (thread == nullptr || !g_runtime.enabled.load() || dead_tid <= 0) return;
  {
    RobustLock lock(state().header.registry_lock);
    if (!lock.ok()) return;
    uint32_t slot = slot_of_dead_thread(dead_tid);
    if (slot != kNoIndex) sync_release_from(key, state().slots[slot].vc);
  }
  acquire(thread, key);
}

}  // namespace shmcheck::core
