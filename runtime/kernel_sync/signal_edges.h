// Signals as edges: what the sender did before kill, sigqueue, tgkill,
// raise or pthread_kill happens-before the receiver's handler (or the
// sigwait, sigtimedwait or signalfd read that takes the signal). Keyed by
// the target process and the signal; a signal to a process group by the
// group. A process's exit is a SIGCHLD sent to its parent.
// [signal-safe]; the caller holds a RuntimeScope.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include "core/core_api.h"

namespace shmcheck::kernel_sync {

// kill(pid, sig) semantics: pid > 0 a process, 0 the caller's group, < -1
// the group -pid; -1 (every process) orders nothing.
void signal_sent(core::ThreadState *thread, pid_t pid, int sig);

// The calling process took signal `sig` (handler entry, sigwait...).
void signal_taken(core::ThreadState *thread, int sig);

}  // namespace shmcheck::kernel_sync

namespace shmcheck::kernel_sync {

// [signal-safe] Called first thing in the application's handler for `sig`
// (the interceptors install a trampoline): the handler is ordered after the
// sender. Only a signal some process sent (kill, sigqueue, tgkill...) or a
// child's exit has a sender; timers, faults and I/O signals cost nothing.
// Does nothing when the signal interrupted the runtime itself.
void handler_entered(int sig, const siginfo_t *info);

}  // namespace shmcheck::kernel_sync
