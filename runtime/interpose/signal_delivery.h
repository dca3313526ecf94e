// Handler entry as the acquire half of a signal (runtime/kernel_sync): the
// application's handlers for signals other than the trap signals are
// installed behind one trampoline that first takes the signal's edge, then
// calls the handler exactly as the kernel would have (with or without
// SA_SIGINFO). What the application asked for is kept per signal and is
// what sigaction reports back; the kernel sees the trampoline with the
// application's mask and flags plus SA_SIGINFO.
#pragma once

#include <signal.h>

namespace shmcheck::interpose {

// `action` as the kernel should get it: the same action when it is SIG_DFL
// or SIG_IGN, else the trampoline (the application's handler is remembered
// for `sig` first, so that a signal arriving meanwhile finds it).
struct sigaction wrap_handler(int sig, const struct sigaction &action);

// `old` as the kernel reported it: when it is the trampoline, the
// application's own action is put back.
void unwrap_handler(int sig, struct sigaction *old);

}  // namespace shmcheck::interpose
