// The application keeps full use of SIGSEGV and SIGTRAP: what it installs is
// stored and called for faults that are not ours, while the runtime's
// handlers stay installed. And it cannot block them: with a trap signal
// blocked, the kernel kills the process at the next trapped access.
// Handlers for other signals are entered through signal_delivery.h, which
// gives them the signal's happens-before edge.
#include <signal.h>

#include <cerrno>

#include "interpose/interceptor.h"
#include "interpose/real_functions.h"
#include "interpose/runtime_state.h"
#include "interpose/signal_delivery.h"
#include "syscall/dispatch_switch.h"
#include "trap/app_signal_actions.h"
#include "trap/runtime_signal_stack.h"

using namespace shmcheck;
using namespace shmcheck::interpose;

namespace {

bool take_over(int sig) { return checking() && trap::is_trap_signal(sig); }

}  // namespace

SHMCHECK_INTERCEPTOR int sigaction(int sig, const struct sigaction *action,
                                   struct sigaction *old) noexcept {
  if (in_runtime())
    return real::sigaction()(sig, action, old);
  if (take_over(sig)) {
    trap::exchange_application_action(sig, action, old);
    return 0;
  }
  if (action == nullptr || !checking()) {
    const int rc = real::sigaction()(sig, action, old);
    unwrap_handler(sig, old);
    return rc;
  }
  syscall::note_handler_installed(sig);
  // Other handlers must not block the trap signals either: one of them
  // touching the segment would otherwise kill the process.
  struct sigaction adjusted = wrap_handler(sig, *action);
  trap::keep_trap_signals_open(&adjusted.sa_mask);
  const int rc = real::sigaction()(sig, &adjusted, old);
  unwrap_handler(sig, old);
  return rc;
}

SHMCHECK_INTERCEPTOR sighandler_t signal(int sig, sighandler_t handler) noexcept {
  if (in_runtime() || !checking()) {
    syscall::note_handler_installed(sig);
    return real::signal()(sig, handler);
  }
  if (!take_over(sig)) {
    // The same BSD semantics, through our sigaction (for the trampoline).
    struct sigaction action{};
    action.sa_handler = handler;
    action.sa_flags = SA_RESTART;
    sigemptyset(&action.sa_mask);
    struct sigaction old{};
    if (::sigaction(sig, &action, &old) != 0)
      return SIG_ERR;
    return old.sa_handler;
  }
  // signal() has BSD semantics in glibc: restart, no reset, the signal
  // itself blocked while its handler runs.
  struct sigaction action{};
  action.sa_handler = handler;
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  struct sigaction old{};
  trap::exchange_application_action(sig, &action, &old);
  return old.sa_handler;
}

SHMCHECK_INTERCEPTOR int sigprocmask(int how, const sigset_t *set,
                                     sigset_t *old) noexcept {
  if (set == nullptr || how == SIG_UNBLOCK || !checking() || in_runtime())
    return real::sigprocmask()(how, set, old);
  sigset_t adjusted = *set;
  trap::keep_trap_signals_open(&adjusted);
  return real::sigprocmask()(how, &adjusted, old);
}

SHMCHECK_INTERCEPTOR int pthread_sigmask(int how, const sigset_t *set,
                                         sigset_t *old) noexcept {
  if (set == nullptr || how == SIG_UNBLOCK || !checking() || in_runtime())
    return real::pthread_sigmask()(how, set, old);
  sigset_t adjusted = *set;
  trap::keep_trap_signals_open(&adjusted);
  return real::pthread_sigmask()(how, &adjusted, old);
}

// The program sees its own alternate stack, never the runtime's. An armed
// thread's call is dispatched and translated by the boundary (its stack_t
// may lie in a segment).
SHMCHECK_INTERCEPTOR int sigaltstack(const stack_t *next,
                                     stack_t *old) noexcept {
  if (in_runtime() || !checking() || syscall::t_armed)
    return real::sigaltstack()(next, old);
  stack_t copy;
  if (next != nullptr)
    copy = *next;
  stack_t previous;
  const long rc =
      trap::application_sigaltstack(next != nullptr ? &copy : nullptr,
                                    &previous);
  if (rc != 0) {
    errno = static_cast<int>(-rc);
    return -1;
  }
  if (old != nullptr)
    *old = previous;
  return 0;
}
