// The happens-before edges of atomic operations on shared memory.
//
// An entry point performs the operation itself, on the application's
// address, and records it around the operation:
//   - a release (release store, acq_rel or seq_cst read-modify-write, or any
//     store after a release fence) is published BEFORE the store becomes
//     visible, so that whoever reads the value can already acquire it;
//   - an acquire is taken AFTER the value was read, so that it includes the
//     release of the store actually observed;
//   - the access itself is checked as an atomic read, write or update: two
//     atomic accesses never race, an atomic and a plain one do.
// All edges go through the sync object keyed by (segment, offset), as trap
// mode's locked instructions do, so both modes meet.
//
// Fences: a relaxed load followed by an acquire fence acquires at the fence
// (the thread remembers the last few locations it loaded relaxed); after a
// release fence every later store of the thread releases. The latter is
// coarser than C11: accesses between the fence and the store are released
// too, which can hide a race among them, never invent one.
#pragma once

#include <cstdint>

#include "core/core_api.h"
#include "instrument/shared_access.h"

namespace shmcheck::instrument {

class AtomicSite {
 public:
  // Inactive unless [address, address + size) is in a segment and the
  // thread's accesses are being recorded.
  AtomicSite(const volatile void *address, uint64_t size, uintptr_t pc);
  bool active() const { return thread_ != nullptr; }

  // Before the operation, for stores and read-modify-writes.
  void before_store(int order);
  // After the operation: checks the access and takes the acquire `order`
  // implies (for a failed compare-exchange: its failure order).
  void after(core::AccessType type, int order);
  // After a successful update: the word's value before and after it, and
  // whether it was an exchange or compare-exchange
  // (core::atomic_update_done: spinlocks shown in reports).
  void update_values(uint64_t before, uint64_t after, bool exchange);

 private:
  core::ThreadState *thread_ = nullptr;
  SharedPlace place_{};
  uint64_t size_ = 0;
  uintptr_t pc_ = 0;
};

// __tsan_atomic_thread_fence's edges (the fence itself is the caller's).
void fence_edges(int order);

// Memory orders as the instrumentation passes them (C11 numbering; gcc may
// add hardware lock elision bits above the low 16).
inline int plain_order(int order) { return order & 0xffff; }
inline bool has_acquire(int order) {
  order = plain_order(order);
  return order == 1 || order == 2 || order == 4 || order == 5;
}
inline bool has_release(int order) {
  order = plain_order(order);
  return order == 3 || order == 4 || order == 5;
}

}  // namespace shmcheck::instrument
