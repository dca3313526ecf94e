#include "process_registry.h"

#include "core_api.h"
#include "process_liveness.h"
#include "core_state.h"
#include "segment_registry.h"
#include "sync_table.h"
#include "vector_clock.h"

namespace shmcheck::core {

uint32_t allocate_process_entry() {
  for (uint32_t i = 0; i < kMaxProcesses; ++i) {
    ProcessShm &p = state().processes[i];
    if (p.state != kProcessFree) continue;
    p.state = kProcessReserved;
    p.pid = 0;
    p.start_time = 0;
    p.incarnation = state().header.next_incarnation.fetch_add(1);
    p.reserver_pid = 0;
    p.reserved_at = 0;
    p.flags.store(0);
    return i;
  }
  return kNoIndex;
}

uint32_t allocate_slot(uint32_t process, uint64_t incarnation, pid_t tid,
                       const VectorClockShm *inherit) {
  SharedStateShm &s = state();
  uint32_t best = kNoIndex;
  int best_rank = 3;
  for (uint32_t i = 0; i < kMaxSlots && best_rank > 0; ++i) {
    const ThreadSlotShm &slot = s.slots[i];
    if (slot.state != kSlotFree) continue;
    int rank;
    if (slot.used && inherit != nullptr && slot.clock.load() <= inherit->c[i]) rank = 0;
    else if (!slot.used) rank = 1;
    else rank = 2;
    if (rank < best_rank ||
        (rank == 2 && best_rank == 2 &&
         static_cast<int32_t>(slot.free_order - s.slots[best].free_order) < 0)) {
      best = i;
      best_rank = rank;
    }
  }
  if (best == kNoIndex) return kNoIndex;
  if (best_rank == 2) s.header.unordered_slot_reuses.fetch_add(1, std::memory_order_relaxed);

  ThreadSlotShm &slot = s.slots[best];
  if (inherit != nullptr) slot.vc = *inherit;
  else vc_clear(slot.vc);
  Clock previous = slot.clock.load();
  if (slot.vc.c[best] > previous) previous = slot.vc.c[best];
  Clock fresh = previous < kClockLimit ? previous + 1 : kClockLimit;
  slot.vc.c[best] = fresh;
  slot.clock.store(fresh);
  slot.process = process;
  slot.incarnation = incarnation;
  slot.tid = static_cast<uint32_t>(tid);
  for (std::atomic<uint64_t> &held : slot.held) held.store(0, std::memory_order_relaxed);
  slot.used = 1;
  slot.state = kSlotLive;
  uint32_t hw = s.header.slots_high_water.load();
  while (hw < best + 1 && !s.header.slots_high_water.compare_exchange_weak(hw, best + 1)) {
  }
  return best;
}

void free_slot(uint32_t index) {
  if (index >= kMaxSlots) return;
  ThreadSlotShm &slot = state().slots[index];
  Clock own = slot.vc.c[index];
  if (own > slot.clock.load()) slot.clock.store(own);
  slot.free_order = state().header.slot_free_counter.fetch_add(1);
  slot.state = kSlotFree;
}

void process_clock(uint32_t index, VectorClockShm &out) {
  if (index >= kMaxProcesses) return;
  const ProcessShm &p = state().processes[index];
  uint32_t width = clock_width();
  for (uint32_t i = 0; i < kMaxSlots; ++i) {
    const ThreadSlotShm &slot = state().slots[i];
    if (slot.state == kSlotLive && slot.process == index && slot.incarnation == p.incarnation)
      vc_join(out, slot.vc, width);
  }
}

void retire_process(uint32_t index) {
  if (index >= kMaxProcesses) return;
  SharedStateShm &s = state();
  ProcessShm &p = s.processes[index];
  if (p.state == kProcessFree) return;
  VectorClockShm final_clock;
  vc_clear(final_clock);
  process_clock(index, final_clock);
  for (uint32_t i = 0; i < kMaxSlots; ++i) {
    const ThreadSlotShm &slot = s.slots[i];
    if (slot.state == kSlotLive && slot.process == index && slot.incarnation == p.incarnation)
      free_slot(i);
  }
  if (p.pid != 0)
    sync_release_from(SyncKey{SyncKind::ProcessExit, p.pid, 0}, final_clock);
  segments_drop_process(index);
  sync_forget_incarnation(p.incarnation);
  p.state = kProcessFree;
  p.pid = 0;
}

void reclaim_dead_processes(uint32_t self) {
  SharedStateShm &s = state();
  for (uint32_t i = 0; i < kMaxProcesses; ++i) {
    if (i == self) continue;
    ProcessShm &p = s.processes[i];
    bool gone = false;
    if (p.state == kProcessLive) {
      gone = process_is_gone(static_cast<pid_t>(p.pid), p.start_time);
    } else if (p.state == kProcessReserved) {
      // Reserved by a parent about to fork: stale once the child (if it got
      // a pid) or else the parent is gone.
      pid_t owner = p.pid != 0 ? static_cast<pid_t>(p.pid) : static_cast<pid_t>(p.reserver_pid);
      gone = process_is_gone(owner, 0);
    }
    if (gone) {
      retire_process(i);
      s.header.processes_reclaimed.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

uint32_t count_other_processes(uint32_t self) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < kMaxProcesses; ++i)
    if (i != self && state().processes[i].state != kProcessFree) ++n;
  return n;
}

uint32_t find_process(pid_t pid, uint32_t self) {
  for (uint32_t i = 0; i < kMaxProcesses; ++i) {
    const ProcessShm &p = state().processes[i];
    if (i != self && p.state != kProcessFree && p.pid == static_cast<uint32_t>(pid)) return i;
  }
  return kNoIndex;
}

}  // namespace shmcheck::core
