// Plain moves (mov, movzx, movsx, movsxd) carried out by the fault handler
// on the alias view: one signal per access instead of a fault plus a step
// trap, and no page is ever opened, so other threads stay watched.
#pragma once

#include <sys/ucontext.h>

#include <cstdint>

#include "trap/instruction_accesses.h"

namespace shmcheck::trap {

// Performs `decoded.move` with the memory operand at `alias` (the alias view
// address of the faulting operand) and advances rip past the instruction.
void emulate_move(const DecodedAccesses &decoded, uintptr_t alias,
                  mcontext_t *context);

}  // namespace shmcheck::trap
