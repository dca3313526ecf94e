// Running a dispatched system call where the program issued it.
//
// A few calls cannot be carried out from inside the SIGSYS handler: clone,
// clone3, fork and vfork start a child at the instruction after the
// system call (with its own stack for a thread), and rt_sigreturn restores
// the frame its caller's stack points at. For those the handler resumes the
// thread in a stub inside the runtime's code (so the kernel lets it
// through) that holds `syscall` followed by an absolute jump to the
// instruction after the original one: the child and the parent both leave
// the stub for the program's code with nothing of theirs changed. One stub
// per call site, made on first use; they are never freed.
#pragma once

#include <cstdint>

namespace shmcheck::syscall {

// The stub for the system call instruction that ends at `return_address`,
// or 0 when the stub area is full.
uintptr_t in_place_stub(uintptr_t return_address);

// The calls that must run in place.
bool runs_in_place(long number);

}  // namespace shmcheck::syscall
