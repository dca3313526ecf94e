// The dispatched calls that change the state a signal handler's return
// restores or that the runtime keeps for itself, carried out on the
// interrupted context instead of by the kernel from inside the handler.
//
// - rt_sigprocmask: the mask lives in the context (rt_sigreturn would undo
//   a change made from the handler). SIGSEGV, SIGTRAP and SIGSYS stay
//   deliverable: with one of them blocked a trapped access or a dispatched
//   call would kill the process.
// - rt_sigaction: SIGSEGV, SIGTRAP and SIGSYS are the runtime's (the
//   program's disposition is kept apart); other handlers get the runtime's
//   restorer and may not block those three.
// - sigaltstack: the program sees its own alternate stack, never the
//   runtime's (trap/runtime_signal_stack.h).
// [signal-safe]
#pragma once

#include <sys/ucontext.h>

namespace shmcheck::syscall {

// True when `number` is handled here; *result is then the kernel-style
// result.
bool emulate_signal_state_call(long number, const long args[6],
                               ucontext_t *context, long *result);

}  // namespace shmcheck::syscall
