// Which trapped instructions can be rewritten, and how.
//
// A site qualifies when its instruction has exactly one memory operand, an
// explicit and ordinary one (no gather, no fs/gs base, 64-bit addressing,
// not relative to rip or rsp), does not use rsp in any other way, and does
// not depend on where it runs: not a branch, call or return, not a stack,
// string, system or state-saving instruction, not a bit test. That covers
// plain and extending moves, arithmetic and logic with memory, compare and
// test, the locked read-modify-writes (xadd, cmpxchg, xchg, lock add...),
// SSE/AVX/AVX-512 loads, stores and operations with a memory source, x87
// loads and stores. The rest keep trapping; rip-relative operands among
// them because the trap path single-steps those in place (an installation
// would race with such a step of another thread).
#pragma once

#include <Zydis/Zydis.h>

#include <cstdint>

#include "core/core_api.h"

namespace shmcheck::patch {

struct SitePlan {
  ZydisDecodedInstruction insn;
  ZydisDecodedOperand operands[ZYDIS_MAX_OPERAND_COUNT];
  uint8_t bytes[15];
  int memory_operand = -1;  // index in operands
  uint64_t access_size = 0;
  bool reads = false;
  bool writes = false;
  bool locked = false;
  int scratch = -1;  // hardware number of a register the instruction leaves alone
};

// Decodes the instruction at `pc`. False (with `why` set to a short reason)
// when it must keep trapping.
bool plan_site(uintptr_t pc, SitePlan *plan, const char **why);

// The gregs index of hardware register `number` (0 = rax ... 15 = r15).
int greg_of_hardware(int number);

}  // namespace shmcheck::patch
