// Access capture by page protection.
//
// Every watched attachment is PROT_NONE. An access to it faults; the SIGSEGV
// handler decodes the instruction (exact size, lock prefix, string ranges),
// records the access with the core, and carries the instruction out without
// the application noticing, the cheapest way that is exact (see
// docs/runtime.md, "Capturing accesses"):
//  1. plain moves are performed by the handler on the alias view;
//  2. rep movs / rep stos are performed on the alias view as one range;
//  3. other single-operand instructions run on the alias view through a
//     moved address register (displaced into a per-thread code buffer, or
//     single-stepped);
//  4. the rest run once on an opened page, under the per-process trap lock,
//     and the page is protected again at the trap that follows.
// Only way 4 opens a page: while its one instruction runs, another thread
// of the same process can touch that page unobserved.
// An instruction that keeps trapping is patched into a jump to generated
// code that checks its accesses without a trap (runtime/patch/).
#pragma once

#include <cstdint>

namespace shmcheck::trap {

// Installs the SIGSEGV and SIGTRAP handlers (normal context, at start), and
// prepares the decoder and unwinder so that the handlers never initialize
// anything lazily. With `verbosity` >= 3 every trapped access is logged to
// stderr (pc, address, size, how it was carried out). A `budget_percent`
// above 0 starts the trap budget (trap_budget.h).
bool install_trap_handlers(int verbosity, int budget_percent);

// Accesses this process has trapped so far (verbosity=1 prints it at exit:
// tests use it to see that instrumented code runs without traps).
uint64_t trapped_accesses();

}  // namespace shmcheck::trap
