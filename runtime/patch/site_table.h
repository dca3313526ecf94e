// The sites trap mode has seen trapping, keyed by pc.
//
// Inserted and counted by the fault handler under the trap lock; looked up
// without it (the int3 of an installation in progress, a fault inside
// generated code): a slot's fields are filled before its pc is published.
// The table is fixed-size; when it is full, new sites simply stay trapping.
#pragma once

#include <cstddef>
#include <cstdint>

#include "patch/patched_site.h"

namespace shmcheck::patch {

inline constexpr size_t kMaxSites = 4096;

// With the trap lock held: the record for `pc`, created when missing
// (nullptr when the table is full).
PatchedSite *site_for(uintptr_t pc);

// [signal-safe, lock-free] The record for `pc`, or nullptr.
const PatchedSite *find_site(uintptr_t pc);

// [signal-safe, lock-free] The installed (or installing) site whose
// relocated instruction contains `pc`, or nullptr.
const PatchedSite *site_running_at(uintptr_t pc);

// The record's position in the table (0 .. kMaxSites - 1).
size_t site_index(const PatchedSite &site);

// True when `address` lies in the bytes a punned jump depends on.
bool pinned_by_jump(uintptr_t address);

// Calls fn(site) for every record.
template <typename Fn>
void for_each_site(Fn &&fn);

// --- implementation detail ----------------------------------------------------
PatchedSite *site_slot(size_t index);

template <typename Fn>
void for_each_site(Fn &&fn) {
  for (size_t i = 0; i < kMaxSites; ++i) {
    PatchedSite *s = site_slot(i);
    if (__atomic_load_n(&s->pc, __ATOMIC_ACQUIRE) != 0)
      fn(*s);
  }
}

}  // namespace shmcheck::patch
