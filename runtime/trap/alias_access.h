// Way 3 of a trapped access: the instruction runs on the alias view through
// a moved address register, so that no page is ever opened.
//
// It applies when the instruction has a single memory operand, wholly
// inside one watched attachment, addressed through a base or index register
// that the instruction does not otherwise read (nor may leave partly
// unchanged). The register is moved by (alias - view); the instruction runs
// displaced, followed by a `lea` that moves the register back; when only
// stores were recorded nothing remains to be done after it, otherwise an
// int3 (or, for instructions that cannot run elsewhere, the trap flag) gives
// control back to complete the loads. The state is per thread: threads do
// this concurrently.
#pragma once

#include <sys/ucontext.h>

#include <cstdint>

#include "trap/access_recorder.h"
#include "trap/instruction_accesses.h"

namespace shmcheck::trap {

enum class AliasAccess {
  NotApplicable,
  Done,      // ran (or will run) displaced; no trap follows
  Stepping,  // a trap follows: finish_alias_step() ends it
};

AliasAccess run_on_alias(ucontext_t *uc, uintptr_t pc,
                         const DecodedAccesses &decoded,
                         const RecordedAccesses &recorded);

// True when the label for traces says the pending step is displaced.
bool alias_step_displaced();

// For SIGTRAP: ends this thread's pending alias step, if `uc` is its end.
bool finish_alias_step(ucontext_t *uc);

}  // namespace shmcheck::trap
