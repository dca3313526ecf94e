// Robust mutex recovery: the process that gets EOWNERDEAD repairs what the
// dead owner left, so it must be ordered after everything the owner did. The
// owner never unlocked, so its clock is not on the mutex's key: it is taken
// from the thread slot the owner used, which keeps its last clock, and the
// locks it held, after the process is gone until another thread reuses the
// slot.
//
// The owner is found by the lock, not by its thread id: the id in the mutex
// can only be read before the lock call, when it may still name an earlier,
// living holder, and the kernel clears it when the owner dies.
#include "core_api.h"
#include "core_state.h"
#include "process_registry.h"
#include "robust_mutex.h"
#include "sync_table.h"

namespace shmcheck::core {

namespace {

bool slot_holds(const ThreadSlotShm &slot, uint64_t tag) {
  for (const std::atomic<uint64_t> &held : slot.held)
    if (held.load(std::memory_order_relaxed) == tag) return true;
  return false;
}

}  // namespace

void owner_died(ThreadState *thread, const SyncKey &key) {
  if (thread == nullptr || !g_runtime.enabled.load()) return;
  const uint64_t tag = held_lock_tag(static_cast<uint8_t>(key.kind), key.a, key.b);
  {
    RobustLock lock(state().header.registry_lock);
    if (!lock.ok()) return;
    // Every other slot that still names the lock held it when its thread
    // died: the owner now, or an earlier one already recovered from (whose
    // clock the key has anyway). The owner may have died inside the lock
    // call, before it named the lock: then it did nothing under the lock,
    // and the key's clock is enough.
    for (uint32_t i = 0; i < kMaxSlots; ++i) {
      const ThreadSlotShm &slot = state().slots[i];
      if (i == thread->slot || !slot.used || !slot_holds(slot, tag)) continue;
      sync_release_from(key, slot.vc);
    }
  }
  acquire(thread, key);
}

}  // namespace shmcheck::core
