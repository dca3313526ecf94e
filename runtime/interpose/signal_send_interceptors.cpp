// Sending and waiting for signals (runtime/kernel_sync): what the sender did
// before kill, sigqueue, tgkill, raise or pthread_kill happens-before the
// handler, or the sigwait that takes the signal. (Handlers are entered
// through signal_delivery.h.) The C library makes these system calls
// internally, so each is reported as the call it makes.
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "interpose/interceptor.h"
#include "interpose/kernel_call.h"
#include "interpose/real_functions.h"
#include "trap/raw_syscall.h"
#include "trap/trap_budget.h"

using namespace shmcheck;
using namespace shmcheck::interpose;

namespace {

long own_pid() { return trap::raw_syscall(SYS_getpid); }

}  // namespace

// kill() is the boundary's fast path (io_interceptors.cpp).

SHMCHECK_INTERCEPTOR int tgkill(pid_t tgid, pid_t tid, int sig) noexcept {
  KernelCall call(SYS_tgkill, tgid, tid, sig);
  return call.returned(real::tgkill()(tgid, tid, sig));
}

SHMCHECK_INTERCEPTOR int sigqueue(pid_t pid, int sig, const union sigval value) noexcept {
  KernelCall call(SYS_rt_sigqueueinfo, pid, sig);
  return call.returned(real::sigqueue()(pid, sig, value));
}

// The handler runs before raise returns: the release comes first.
SHMCHECK_INTERCEPTOR int raise(int sig) noexcept {
  KernelCall call(SYS_tgkill, own_pid(), trap::raw_syscall(SYS_gettid), sig);
  return call.returned(real::raise()(sig));
}

SHMCHECK_INTERCEPTOR int pthread_kill(pthread_t thread, int sig) noexcept {
  KernelCall call(SYS_tgkill, own_pid(), 0, sig);
  return call.returned_error(real::pthread_kill()(thread, sig));
}

SHMCHECK_INTERCEPTOR int sigwait(const sigset_t *set, int *sig) {
  KernelCall call(SYS_rt_sigtimedwait, reinterpret_cast<long>(set));
  int rc;
  {
    trap::BudgetedWait waiting;
    rc = real::sigwait()(set, sig);
  }
  call.returned_raw(rc == 0 ? *sig : -rc);
  return rc;
}

SHMCHECK_INTERCEPTOR int sigwaitinfo(const sigset_t *set, siginfo_t *info) {
  KernelCall call(SYS_rt_sigtimedwait, reinterpret_cast<long>(set),
                  reinterpret_cast<long>(info));
  int rc;
  {
    trap::BudgetedWait waiting;
    rc = real::sigwaitinfo()(set, info);
  }
  return call.returned(rc);
}

SHMCHECK_INTERCEPTOR int sigtimedwait(const sigset_t *set, siginfo_t *info,
                                      const struct timespec *timeout) {
  KernelCall call(SYS_rt_sigtimedwait, reinterpret_cast<long>(set),
                  reinterpret_cast<long>(info), reinterpret_cast<long>(timeout));
  int rc;
  {
    trap::BudgetedWait waiting;
    rc = real::sigtimedwait()(set, info, timeout);
  }
  return call.returned(rc);
}
