#include "trap/fork_protection.h"

#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>

#include "trap/displaced_execution.h"
#include "trap/raw_syscall.h"
#include "trap/trap_budget.h"
#include "trap/trap_lock.h"

namespace shmcheck::trap {

namespace {

sigset_t g_saved_mask;  // guarded by the trap lock, held across the fork

void before_fork() {
  sigset_t all;
  asynchronous_signals(&all);
  sigset_t saved;
  raw_syscall(SYS_rt_sigprocmask, SIG_BLOCK, reinterpret_cast<long>(&all),
              reinterpret_cast<long>(&saved), 8);
  // Waits for any step in progress in another thread to end.
  trap_lock();
  g_saved_mask = saved;
}

void restore_mask() {
  const sigset_t saved = g_saved_mask;
  raw_syscall(SYS_rt_sigprocmask, SIG_SETMASK, reinterpret_cast<long>(&saved),
              0, 8);
}

void after_fork_in_parent() {
  const sigset_t saved = g_saved_mask;
  trap_unlock();
  raw_syscall(SYS_rt_sigprocmask, SIG_SETMASK, reinterpret_cast<long>(&saved),
              0, 8);
}

void after_fork_in_child() {
  forget_cached_tid();
  budget_fork_child();
  drop_inherited_displaced_buffer();
  trap_lock_reset_in_child();
  restore_mask();
}

}  // namespace

void register_fork_handlers() {
  pthread_atfork(before_fork, after_fork_in_parent, after_fork_in_child);
}

}  // namespace shmcheck::trap
