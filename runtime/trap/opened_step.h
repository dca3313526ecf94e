// Way 4 of a trapped access, for what the other ways cannot do: the page(s)
// the instruction touches are made accessible, the instruction runs once
// (displaced with an int3 after it, or single-stepped), and the trap that
// follows protects them again.
//
// The thread holds the trap lock from the fault to that trap. While the
// instruction runs, other threads of the process can touch the opened pages
// without faulting: those accesses go unrecorded (the window documented in
// docs/runtime.md).
#pragma once

#include <sys/ucontext.h>

#include <cstdint>

#include "trap/access_recorder.h"
#include "trap/instruction_accesses.h"

namespace shmcheck::trap {

// With the trap lock held: opens the pages and arms the trap.
void run_opened(ucontext_t *uc, uintptr_t pc, const DecodedAccesses &decoded,
                const RecordedAccesses &recorded);

// True when the opened step runs displaced (for traces).
bool opened_step_displaced();

// For a SIGSEGV of the thread holding the trap lock: the opened instruction
// also touches a page not yet opened (an access straddling two pages or two
// attachments); opens it too. False when `fault_address` is not ours.
bool extend_opened_step(uintptr_t fault_address);

// For SIGTRAP: ends the opened step if `uc` is its end, protects the pages
// again and releases the trap lock.
bool finish_opened_step(ucontext_t *uc);

}  // namespace shmcheck::trap
