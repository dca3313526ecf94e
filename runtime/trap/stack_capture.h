// Stacks for access records: innermost first, frames[0] the accessing pc.
//
// Unwinding uses the compiler runtime's DWARF unwinder (binaries that were
// not rebuilt rarely keep frame pointers). With glibc >= 2.35 it finds unwind
// tables through _dl_find_object, which takes no lock, so it may run in the
// fault handler; it is warmed up once at start so that its lazy
// initialization never happens in signal context.
#pragma once

#include <sys/ucontext.h>

#include <cstddef>
#include <cstdint>

namespace shmcheck::trap {

inline constexpr size_t kMaxFrames = 32;

void warm_up_unwinder();

// [signal-safe] Called first by the SIGSEGV handler (which does not defer
// SIGSEGV): when the fault was raised by this thread's unwinder (its pc in
// the unwinder's code, not in a signal handler of the program that
// interrupted the walk), the capture in progress ends with the frames found
// so far, the interrupted signal mask is restored, and this does not return.
void recover_from_unwinder_fault(const ucontext_t &context);

// The stack of the instruction interrupted by a fault: frames[0] is its pc.
size_t capture_interrupted_stack(const ucontext_t &context, uintptr_t *frames,
                                 size_t max);

// The stack of an interceptor's caller, given the interceptor's return
// address: frames[0] points into the call instruction, so it symbolizes to
// the line that called read(), semop(), ...
size_t capture_caller_stack(uintptr_t return_address, uintptr_t *frames,
                            size_t max);
// The same, with each frame's stack pointer in `cfas`: cfas[i] is the
// canonical frame address of the frame that frames[i] called (cfas[0] the
// one of the frame that captures), so that for i > 0 frames[i] is the
// return address stored at cfas[i] - 8.
size_t capture_caller_stack(uintptr_t return_address, uintptr_t *frames,
                            uintptr_t *cfas, size_t max);

}  // namespace shmcheck::trap
