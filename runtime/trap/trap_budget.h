// Trap mode's cost control (the trap_budget=N option): a sampling budget.
//
// Every trapped access costs microseconds. With a budget, the runtime keeps
// the time a process spends on traps within about N% of the rest of its
// CPU time. It measures what each trap costs (the handlers' own time plus
// the kernel's signal round trip, calibrated at start) and keeps a debt:
// what was spent minus N% of the CPU time that was not. Time blocked in
// synchronization calls counts as spent too: a process that traps makes
// the processes waiting for it (for its lock, its post, its arrival) wait
// for its traps, and the waiters' accounting is where that shows.
//
// While the process is in debt, its hot protection units are left
// unprotected until the debt is paid back. A unit is a page, or a whole
// attachment of at most 256 KiB (toggled as one so that its mapping is
// never split); it is hot when it trapped kHotTraps times within 100 ms of
// being protected. A unit that is hot again right after it was protected
// again stays unprotected twice as long the next time (up to 500 ms): it is
// then checked in sampled windows. Cold units are never left unprotected,
// nor are units where atomics synchronize.
//
// While a unit is unprotected its accesses are not recorded, so races whose
// accesses all fall into unprotected time are missed (docs/runtime.md).
// Units are protected again at the first trap or synchronization call after
// their interval ended.
//
// All state changes happen under the trap lock.
#pragma once

#include <atomic>
#include <cstdint>

#include "trap/attachment_table.h"

namespace shmcheck::trap {

// From the options, once at start; calibrates the signal round trip.
void start_trap_budget(int percent);

// True when a budget is set.
extern std::atomic<bool> g_budget_active;
inline bool budget_active() {
  return g_budget_active.load(std::memory_order_relaxed);
}

// [signal-safe] CLOCK_MONOTONIC in nanoseconds.
uint64_t monotonic_ns();

// With the trap lock held, at the start of a trap: protects again the units
// whose unprotected interval has ended.
void budget_reprotect_due(uint64_t now);

// With the trap lock held, after a trapped access at `fault_address` that
// the handler entered at `entered`: accounts its cost and, while the
// process is in debt, leaves hot units unprotected. `may_unprotect` is
// false while a step that will protect its pages again is in progress.
// A `synchronizing` access (an atomic update, or a load that acquires)
// makes its unit one that is never left unprotected: the edges of its
// atomics would be lost, and with them the order of what they guard.
void budget_note_trap(uintptr_t fault_address, uint64_t entered,
                      bool may_unprotect, bool synchronizing);

// [signal-safe] A SIGTRAP that completed a step, entered at `entered`: its
// cost counts with the next trap.
void budget_note_step(uint64_t entered);

// A blocking synchronization call (a lock, a semaphore wait, a condition
// wait, a barrier) that started at `started` returned: the time it waited
// counts as spent. A process that traps holds up whoever waits for it (for
// its lock, its post, its arrival), and the waiter's accounting is where
// that shows; waiting that would happen anyway is counted too, which only
// makes the budget stricter.
void budget_note_wait(uint64_t started);

// Times one blocking call for budget_note_wait (nothing without a budget).
class BudgetedWait {
 public:
  BudgetedWait() : started_(budget_active() ? monotonic_ns() : 0) {}
  ~BudgetedWait() {
    if (started_ != 0)
      budget_note_wait(started_);
  }
  BudgetedWait(const BudgetedWait &) = delete;
  BudgetedWait &operator=(const BudgetedWait &) = delete;

 private:
  uint64_t started_;
};

// For SIGTRAP: true during the calibration at start (the trap is ours and
// needs nothing).
bool budget_calibrating();

// Called from synchronization interceptors (normal context): protects
// again the units whose interval has ended. One load when none is
// unprotected.
void budget_tick();

// In the child of a fork: its own run starts.
void budget_fork_child();

// For verbosity=1 at exit.
void print_budget_summary(int pid);

}  // namespace shmcheck::trap
