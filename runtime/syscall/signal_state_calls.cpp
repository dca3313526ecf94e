#include "syscall/signal_state_calls.h"

#include <signal.h>
#include <sys/syscall.h>

#include <cerrno>
#include <cstring>

#include "syscall/app_memory.h"
#include "syscall/signal_restorer.h"
#include "trap/app_signal_actions.h"
#include "trap/raw_syscall.h"
#include "trap/runtime_signal_stack.h"

namespace shmcheck::syscall {

namespace {

constexpr uint64_t bit(int sig) { return uint64_t{1} << (sig - 1); }
constexpr uint64_t kNeverBlocked =
    bit(SIGSEGV) | bit(SIGTRAP) | bit(SIGSYS) | bit(SIGKILL) | bit(SIGSTOP);

long sigprocmask(const long a[6], ucontext_t *context) {
  if (a[3] != 8)
    return -EINVAL;
  uint64_t current = 0;
  memcpy(&current, &context->uc_sigmask, 8);
  if (a[1] != 0) {
    uint64_t set = 0;
    if (!read_app(&set, static_cast<uintptr_t>(a[1]), 8))
      return -EFAULT;
    uint64_t next = current;
    switch (a[0]) {
      case SIG_BLOCK:
        next |= set;
        break;
      case SIG_UNBLOCK:
        next &= ~set;
        break;
      case SIG_SETMASK:
        next = set;
        break;
      default:
        return -EINVAL;
    }
    next &= ~kNeverBlocked;
    if (a[2] != 0 && !write_app(static_cast<uintptr_t>(a[2]), &current, 8))
      return -EFAULT;
    memcpy(&context->uc_sigmask, &next, 8);
    return 0;
  }
  if (a[2] != 0 && !write_app(static_cast<uintptr_t>(a[2]), &current, 8))
    return -EFAULT;
  return 0;
}

void to_libc(const KernelSigaction &k, struct sigaction *out) {
  memset(out, 0, sizeof(*out));
  out->sa_handler = k.handler;
  out->sa_flags = static_cast<int>(k.flags);
  memcpy(&out->sa_mask, &k.mask, 8);
}

void from_libc(const struct sigaction &in, KernelSigaction *out) {
  memset(out, 0, sizeof(*out));
  out->handler = in.sa_handler;
  out->flags = static_cast<unsigned long>(static_cast<unsigned>(in.sa_flags));
  memcpy(&out->mask, &in.sa_mask, 8);
}

long sigaction(const long a[6]) {
  const int sig = static_cast<int>(a[0]);
  if (a[3] != 8)
    return -EINVAL;
  KernelSigaction action{};
  const bool setting = a[1] != 0;
  if (setting && !read_app(&action, static_cast<uintptr_t>(a[1]),
                           sizeof(action)))
    return -EFAULT;
  KernelSigaction old{};
  if (trap::is_trap_signal(sig)) {
    struct sigaction app;
    struct sigaction previous;
    if (setting)
      to_libc(action, &app);
    trap::exchange_application_action(sig, setting ? &app : nullptr,
                                      &previous);
    from_libc(previous, &old);
  } else {
    if (setting && action.handler != SIG_DFL && action.handler != SIG_IGN) {
      action.flags |= kSaRestorer;
      action.restorer = signal_restorer();
      action.mask &= ~kNeverBlocked;
    }
    const long rc = trap::raw_syscall(
        SYS_rt_sigaction, sig, setting ? reinterpret_cast<long>(&action) : 0,
        reinterpret_cast<long>(&old), 8);
    if (rc != 0)
      return rc;
  }
  if (a[2] != 0 &&
      !write_app(static_cast<uintptr_t>(a[2]), &old, sizeof(old)))
    return -EFAULT;
  return 0;
}

// The handler's return restores the alternate stack recorded in its frame:
// a new one is recorded there too.
long sigaltstack(const long a[6], ucontext_t *context) {
  stack_t next;
  if (a[0] != 0 &&
      !read_app(&next, static_cast<uintptr_t>(a[0]), sizeof(next)))
    return -EFAULT;
  stack_t old;
  const long rc =
      trap::application_sigaltstack(a[0] != 0 ? &next : nullptr, &old);
  if (rc != 0)
    return rc;
  if (a[0] != 0) {
    stack_t now{};
    trap::raw_syscall(SYS_sigaltstack, 0, reinterpret_cast<long>(&now));
    context->uc_stack = now;
  }
  if (a[1] != 0 &&
      !write_app(static_cast<uintptr_t>(a[1]), &old, sizeof(old)))
    return -EFAULT;
  return 0;
}

}  // namespace

bool emulate_signal_state_call(long number, const long args[6],
                               ucontext_t *context, long *result) {
  switch (number) {
    case SYS_rt_sigprocmask:
      *result = sigprocmask(args, context);
      return true;
    case SYS_rt_sigaction:
      *result = sigaction(args);
      return true;
    case SYS_sigaltstack:
      *result = sigaltstack(args, context);
      return true;
    default:
      return false;
  }
}

}  // namespace shmcheck::syscall
