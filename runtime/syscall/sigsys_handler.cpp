#include "syscall/sigsys_handler.h"

#include <signal.h>
#include <sys/syscall.h>
#include <ucontext.h>

#include <cerrno>

#include "syscall/boundary.h"
#include "syscall/dispatch_switch.h"
#include "syscall/in_place_stubs.h"
#include "syscall/signal_restorer.h"
#include "syscall/signal_state_calls.h"
#include "syscall/app_memory.h"
#include "trap/app_signal_actions.h"
#include "trap/stack_exclusion.h"
#include "trap/raw_syscall.h"

namespace shmcheck::syscall {

namespace {

constexpr int kUserDispatch = 2;  // SYS_USER_DISPATCH, si_code of SIGSYS

// The kernel writes signal frames on an alternate stack: one the program
// places in a watched segment stays unwatched.
void exclude_alternate_stack(long new_stack) {
  stack_t ss;
  if (new_stack != 0 &&
      read_app(&ss, static_cast<uintptr_t>(new_stack), sizeof(ss)) &&
      (ss.ss_flags & SS_DISABLE) == 0)
    trap::exclude_stack(reinterpret_cast<uintptr_t>(ss.ss_sp), ss.ss_size);
}

void on_sigsys(int sig, siginfo_t *info, void *raw_context) {
  const int saved_errno = errno;
  const char selector = t_selector;
  t_selector = kSelectorAllow;
  auto *uc = static_cast<ucontext_t *>(raw_context);
  greg_t *regs = uc->uc_mcontext.gregs;

  if (is_arm_request(info)) {
    arm_this_thread();
    t_selector = application_selector();
    errno = saved_errno;
    return;
  }
  if (info->si_code != kUserDispatch) {
    t_selector = selector;
    errno = saved_errno;
    trap::chain_to_application(sig, info, raw_context);
    return;
  }

  const long number = info->si_syscall;
  const long args[6] = {regs[REG_RDI], regs[REG_RSI], regs[REG_RDX],
                        regs[REG_R10], regs[REG_R8],  regs[REG_R9]};
  const auto next = static_cast<uintptr_t>(regs[REG_RIP]);
  long result = 0;
  if (runs_in_place(number)) {
    if (const uintptr_t stub = in_place_stub(next)) {
      regs[REG_RIP] = static_cast<greg_t>(stub);
      regs[REG_RAX] = number;
      t_selector = selector;
      errno = saved_errno;
      return;
    }
    result = -ENOSYS;  // no stub left: the only failure the program can see
  } else {
    if (number == SYS_sigaltstack)
      exclude_alternate_stack(args[0]);
    if (!emulate_signal_state_call(number, args, uc, &result)) {
      CallSite site;
      site.context = uc;
      result = perform(number, args, site);
    }
  }
  // As the syscall instruction leaves them.
  regs[REG_RAX] = result;
  regs[REG_RCX] = static_cast<greg_t>(next);
  regs[REG_R11] = regs[REG_EFL];
  t_selector = selector;
  errno = saved_errno;
}

}  // namespace

bool install_sigsys_handler() {
  KernelSigaction action{};
  void *handler = reinterpret_cast<void *>(&on_sigsys);
  action.handler = reinterpret_cast<void (*)(int)>(handler);
  action.flags = SA_SIGINFO | SA_NODEFER | SA_RESTART | kSaRestorer;
  action.restorer = signal_restorer();
  KernelSigaction previous{};
  if (trap::raw_syscall(SYS_rt_sigaction, SIGSYS,
                        reinterpret_cast<long>(&action),
                        reinterpret_cast<long>(&previous), 8) != 0)
    return false;
  struct sigaction app{};
  app.sa_handler = previous.handler;
  app.sa_flags = static_cast<int>(previous.flags);
  __builtin_memcpy(&app.sa_mask, &previous.mask, 8);
  trap::remember_previous_action(SIGSYS, app);
  return true;
}

}  // namespace shmcheck::syscall
