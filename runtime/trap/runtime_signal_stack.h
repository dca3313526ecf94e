// Each checked thread's own alternate signal stack, for the runtime's
// SIGSEGV and SIGTRAP handlers, and the program's view of sigaltstack.
//
// The kernel keeps one alternate stack per thread. While the program has
// none enabled, the kernel holds the runtime's, so a trapped access made on
// a nearly exhausted stack still reaches the handler. When the program sets
// its own, the kernel holds the program's: its SA_ONSTACK handlers run
// there as natively (a program that handles stack overflow keeps working),
// and so do the runtime's handlers until the program disables it and the
// runtime's comes back. The program never sees the runtime's stack: asked
// while the kernel holds it, sigaltstack answers "disabled".
// [signal-safe]
#pragma once

#include <signal.h>

namespace shmcheck::trap {

// Maps this thread's runtime stack (once; a forked child inherits it) and
// gives it to the kernel unless the program's is enabled.
void install_runtime_signal_stack();

// At thread exit: takes the runtime's stack back from the kernel, unmaps it.
void release_runtime_signal_stack();

// The program's sigaltstack(next, old) on the kernel's state, translated;
// `next` and `old` are the runtime's copies. Kernel-style result.
long application_sigaltstack(const stack_t *next, stack_t *old);

}  // namespace shmcheck::trap
