#include "read_sets.h"

#include "robust_mutex.h"
#include "core_state.h"

namespace shmcheck::core {

ReadSetShm *read_set_at(uint32_t ref) {
  if (ref == 0 || ref > kReadSets) return nullptr;
  return &state().readsets[ref - 1];
}

uint32_t read_set_alloc() {
  StateHeaderShm &h = state().header;
  RobustLock lock(h.readset_lock, SignalsStayOpen{});
  if (!lock.ok()) return 0;
  uint32_t ref = 0;
  if (ReadSetShm *head = read_set_at(h.readset_free)) {
    ref = h.readset_free;
    h.readset_free = head->next <= kReadSets ? head->next : 0;
  } else if (h.readset_used < kReadSets) {
    ref = ++h.readset_used;
  } else {
    h.readset_exhausted.fetch_add(1, std::memory_order_relaxed);
    return 0;
  }
  ReadSetShm *set = read_set_at(ref);
  set->next = 0;
  set->count = 0;
  return ref;
}

void read_set_free_chain(uint32_t ref) {
  StateHeaderShm &h = state().header;
  RobustLock lock(h.readset_lock, SignalsStayOpen{});
  if (!lock.ok()) return;
  for (uint32_t steps = 0; steps < kMaxReadSetChain; ++steps) {
    ReadSetShm *set = read_set_at(ref);
    if (set == nullptr) return;
    uint32_t next = set->next;
    set->next = h.readset_free;
    set->count = 0;
    h.readset_free = ref;
    ref = next;
  }
}

}  // namespace shmcheck::core
