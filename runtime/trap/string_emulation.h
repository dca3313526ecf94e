// `rep movs` and `rep stos` on watched memory, carried out by the runtime.
//
// With the trap flag set, the CPU stops a repeated string instruction after
// every element, so stepping a 4 KiB `rep movsb` would cost 4096 traps.
// Instead the handler records the whole source and destination ranges as
// one access each, performs the copy or fill through the alias views, and
// advances rsi/rdi/rcx/rip exactly as the CPU would have.
#pragma once

#include <sys/ucontext.h>

#include "trap/instruction_accesses.h"

namespace shmcheck::trap {

struct StringRange {
  uintptr_t low;   // lowest address touched
  uint64_t size;   // bytes
};

// The ranges a repeated string instruction will read (source) and write
// (destination), from the current rsi/rdi/rcx and the direction flag.
void string_ranges(const DecodedAccesses &decoded, const mcontext_t &context,
                   StringRange *source, StringRange *destination);

// Performs the instruction; `context` is updated as after its completion.
void emulate_repeated_string(const DecodedAccesses &decoded,
                             mcontext_t *context);

}  // namespace shmcheck::trap
