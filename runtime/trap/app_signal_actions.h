// The application's own dispositions of SIGSEGV, SIGTRAP and SIGSYS.
//
// The trap front end and the system-call boundary keep their handlers
// installed for these three signals for
// the life of the process. What the application installs (before or after
// us, through sigaction or signal) is stored here instead, returned to it
// when it asks, and called for every fault or trap that is not ours, as the
// kernel would have called it.
#pragma once

#include <signal.h>

namespace shmcheck::trap {

bool is_trap_signal(int sig);

// Records what was installed before the runtime took the signal over.
void remember_previous_action(int sig, const struct sigaction &previous);

// The application's sigaction() for a trap signal: stores `action` (when
// given) and reports the previous application action in `old` (when given).
void exchange_application_action(int sig, const struct sigaction *action,
                                 struct sigaction *old);

// Removes SIGSEGV, SIGTRAP and SIGSYS from a mask the application asks
// for: with them blocked, a trapped access or a dispatched system call
// would make the kernel kill the process.
void keep_trap_signals_open(sigset_t *set);

// [signal-safe] Delivers a signal that is not ours to the application's
// handler, or lets the default action happen.
void chain_to_application(int sig, siginfo_t *info, void *context);

}  // namespace shmcheck::trap
