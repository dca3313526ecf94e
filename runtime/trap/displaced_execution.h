// Runs one trapped instruction somewhere else, to regain control after it
// without a single-step trap.
//
// The instruction's bytes are copied into a small per-thread code buffer,
// followed by `lea reg, [reg - shift]` when an address register was moved
// onto the alias view (lea leaves the flags alone), optionally an `int3`,
// and an absolute jump to the next instruction. The handler resumes the
// thread in the buffer. A debug (single-step) exception costs several times
// an int3 under virtualization, and needs a second signal even when nothing
// remains to be done after the instruction.
//
// The buffer is one memfd page mapped twice (writable, and executable), so
// no page is writable and executable at once. Only for instructions that do
// not depend on where they execute (no
// rip-relative operand, no branch, call or return). Each thread rotates
// through the slots of its buffer, so a signal handler that traps while the
// interrupted code is still in a slot uses another one.
#pragma once

#include <sys/ucontext.h>

#include <cstdint>

namespace shmcheck::trap {

// Moves gregs[register_index] by `shift` (none when register_index < 0),
// and makes the thread resume in a buffer slot running the instruction,
// then (if `restore`) moving the register back, then (if `trap_after`) an
// int3. Returns the address right after that int3 (what rip is in the
// SIGTRAP it raises), or 0 when it cannot be done here (no buffer, shift too
// large for the lea): the caller then single-steps instead.
uintptr_t run_displaced(ucontext_t *uc, uintptr_t pc, unsigned length,
                        int register_index, uint64_t shift, bool restore,
                        bool trap_after);

// Frees the calling thread's buffer (normal context, at thread exit).
void release_displaced_buffer();

// In the child of a fork: the inherited buffer is the parent's memfd, shared
// with it; the child must not write into it. Drops the child's mapping of it
// (the parent keeps its own) so that the child maps its own on first use.
void drop_inherited_displaced_buffer();

}  // namespace shmcheck::trap
