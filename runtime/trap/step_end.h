// Getting control back right after one trapped instruction ran elsewhere
// (displaced into the per-thread code buffer, ending in int3) or in place
// (single-stepped with the trap flag), and what to do then.
#pragma once

#include <signal.h>
#include <sys/ucontext.h>

#include <cstdint>

#include "trap/access_recorder.h"
#include "trap/instruction_accesses.h"

namespace shmcheck::trap {

struct StepEnd {
  bool by_int3;
  uintptr_t resume;     // rip right after that int3
  bool app_trap_flag;   // the application had the trap flag set itself
  sigset_t saved_mask;  // the thread's mask before the fault
  RecordedAccesses recorded;  // completed when the step ends
};

// Whether the instruction may run at another address: no branch, call or
// return, no rip-relative operand.
bool displaceable(const DecodedAccesses &decoded);

// Arranges for a trap right after the instruction at `pc`: a displaced copy
// ending in int3 when possible, else the trap flag. Moves gregs[reg] by
// `shift` for the instruction (reg < 0: none; `restore`: move it back after
// it). Blocks asynchronous signals until the step ends: a handler must not
// run with a register moved or a page opened.
void arm_step_end(ucontext_t *uc, uintptr_t pc, const DecodedAccesses &decoded,
                  int reg, uint64_t shift, bool restore,
                  const RecordedAccesses &recorded, StepEnd *end);

// True when the SIGTRAP described by `uc` is the end armed in `end`.
bool is_step_end(const ucontext_t *uc, const StepEnd &end);

// Clears the trap flag (if ours), restores the mask, completes the loads.
void finish_step_end(ucontext_t *uc, const StepEnd &end);

}  // namespace shmcheck::trap
