#include "trap/app_signal_actions.h"

#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>

#include "trap/raw_syscall.h"
#include "trap/trap_lock.h"

namespace shmcheck::trap {

namespace {

struct StoredAction {
  struct sigaction action;
  bool valid;
};

// Index 0: SIGSEGV, 1: SIGTRAP, 2: SIGSYS. Written with signals blocked under the trap
// lock; read by the handlers of other threads without it (an application
// changing its fault handler while faulting gets one or the other).
StoredAction g_actions[3];

StoredAction &stored(int sig) {
  return g_actions[sig == SIGSEGV ? 0 : sig == SIGTRAP ? 1 : 2];
}

void set_mask(const sigset_t &mask, sigset_t *old) {
  raw_syscall(SYS_rt_sigprocmask, SIG_SETMASK, reinterpret_cast<long>(&mask),
              reinterpret_cast<long>(old), 8);
}

// Kernel layout of struct sigaction for rt_sigaction on x86-64.
struct KernelSigaction {
  void *handler;
  unsigned long flags;
  void *restorer;
  uint64_t mask;
};

void restore_default_action(int sig) {
  KernelSigaction dfl{};
  dfl.handler = reinterpret_cast<void *>(SIG_DFL);
  raw_syscall(SYS_rt_sigaction, sig, reinterpret_cast<long>(&dfl), 0, 8);
}

}  // namespace

bool is_trap_signal(int sig) {
  return sig == SIGSEGV || sig == SIGTRAP || sig == SIGSYS;
}

void remember_previous_action(int sig, const struct sigaction &previous) {
  StoredAction &s = stored(sig);
  s.action = previous;
  s.valid = true;
}

void exchange_application_action(int sig, const struct sigaction *action,
                                 struct sigaction *old) {
  SignalsBlocked blocked;
  trap_lock();
  StoredAction &s = stored(sig);
  if (old != nullptr) {
    if (s.valid) {
      *old = s.action;
    } else {
      memset(old, 0, sizeof(*old));
      old->sa_handler = SIG_DFL;
    }
  }
  if (action != nullptr) {
    s.action = *action;
    keep_trap_signals_open(&s.action.sa_mask);
    s.valid = true;
  }
  trap_unlock();
}

void keep_trap_signals_open(sigset_t *set) {
  sigdelset(set, SIGSEGV);
  sigdelset(set, SIGTRAP);
  sigdelset(set, SIGSYS);
}

void chain_to_application(int sig, siginfo_t *info, void *context) {
  StoredAction &s = stored(sig);
  struct sigaction app;
  if (s.valid) {
    app = s.action;
  } else {
    memset(&app, 0, sizeof(app));
    app.sa_handler = SIG_DFL;
  }
  const bool sent_by_process = info->si_code <= 0;  // kill, tgkill, raise...
  const bool has_siginfo = (app.sa_flags & SA_SIGINFO) != 0;
  void (*plain)(int) = app.sa_handler;

  if (!has_siginfo && plain == SIG_IGN && sent_by_process)
    return;
  if (!has_siginfo && (plain == SIG_DFL || plain == SIG_IGN)) {
    // Let the kernel apply the default action: a fault re-executes the
    // instruction and faults again; anything else is sent again and stays
    // pending until this handler returns. (The kernel also ignores SIG_IGN
    // for a synchronous fault.)
    restore_default_action(sig);
    if (!(sig == SIGSEGV && !sent_by_process))
      raw_syscall(SYS_tgkill, raw_syscall(SYS_getpid), current_tid(), sig);
    return;
  }

  if (app.sa_flags & SA_RESETHAND) {
    memset(&s.action, 0, sizeof(s.action));
    s.action.sa_handler = SIG_DFL;
  }
  // Run the application's handler with the mask the kernel would have given
  // it: the interrupted mask, its sa_mask, and the signal itself.
  sigset_t mask = static_cast<ucontext_t *>(context)->uc_sigmask;
  for (int other = 1; other < NSIG; ++other)
    if (sigismember(&app.sa_mask, other) == 1)
      sigaddset(&mask, other);
  if (!(app.sa_flags & SA_NODEFER))
    sigaddset(&mask, sig);
  keep_trap_signals_open(&mask);
  sigset_t ours;
  set_mask(mask, &ours);
  if (has_siginfo)
    app.sa_sigaction(sig, info, context);
  else
    plain(sig);
  set_mask(ours, nullptr);
}

}  // namespace shmcheck::trap
