#include "trap/trap_lock.h"

#include <linux/futex.h>
#include <sys/syscall.h>

#include <atomic>

#include "trap/raw_syscall.h"

namespace shmcheck::trap {

namespace {

__thread pid_t t_tid __attribute__((tls_model("initial-exec")));

// 0: free, 1: held, 2: held and someone may be sleeping on it.
std::atomic<int> g_word{0};
std::atomic<pid_t> g_owner{0};

void futex_wait(std::atomic<int> *word, int expected) {
  raw_syscall(SYS_futex, reinterpret_cast<long>(word), FUTEX_WAIT_PRIVATE,
              expected, 0);
}

void futex_wake_one(std::atomic<int> *word) {
  raw_syscall(SYS_futex, reinterpret_cast<long>(word), FUTEX_WAKE_PRIVATE, 1);
}

}  // namespace

pid_t current_tid() {
  if (t_tid == 0)
    t_tid = static_cast<pid_t>(raw_syscall(SYS_gettid));
  return t_tid;
}

void forget_cached_tid() { t_tid = 0; }

void trap_lock() {
  // A holder keeps the lock for one single step (microseconds), so spin a
  // little before sleeping.
  for (int spin = 0; spin < 200; ++spin) {
    int expected = 0;
    if (g_word.compare_exchange_weak(expected, 1, std::memory_order_acquire)) {
      g_owner.store(current_tid(), std::memory_order_relaxed);
      return;
    }
    __builtin_ia32_pause();
  }
  while (g_word.exchange(2, std::memory_order_acquire) != 0)
    futex_wait(&g_word, 2);
  g_owner.store(current_tid(), std::memory_order_relaxed);
}

void trap_unlock() {
  g_owner.store(0, std::memory_order_relaxed);
  if (g_word.exchange(0, std::memory_order_release) == 2)
    futex_wake_one(&g_word);
}

bool trap_lock_held_by_me() {
  return g_owner.load(std::memory_order_relaxed) == current_tid();
}

void trap_lock_reset_in_child() {
  g_owner.store(0, std::memory_order_relaxed);
  g_word.store(0, std::memory_order_release);
}

void asynchronous_signals(sigset_t *set) {
  sigfillset(set);
  sigdelset(set, SIGSEGV);
  sigdelset(set, SIGBUS);
  sigdelset(set, SIGILL);
  sigdelset(set, SIGFPE);
  sigdelset(set, SIGTRAP);
  // A dispatched system call's SIGSYS while blocked would kill the process.
  sigdelset(set, SIGSYS);
}

SignalsBlocked::SignalsBlocked() {
  sigset_t all;
  asynchronous_signals(&all);
  // The kernel's sigset is 8 bytes on x86-64.
  raw_syscall(SYS_rt_sigprocmask, SIG_BLOCK, reinterpret_cast<long>(&all),
              reinterpret_cast<long>(&saved_), 8);
}

SignalsBlocked::~SignalsBlocked() {
  raw_syscall(SYS_rt_sigprocmask, SIG_SETMASK,
              reinterpret_cast<long>(&saved_), 0, 8);
}

}  // namespace shmcheck::trap
