// The per-process lock of the page-protection front end.
//
// A fault handler holds it while it decides and carries out a trapped
// access, and an opened step (a page made accessible for one instruction)
// keeps it until the SIGTRAP that protects the page again, so that the
// protection of a page changes for one thread at a time. Changes of the
// attachment table (shmat, shmdt) hold it too, so no handler works on a view
// that is going away. It is a futex word of our own (never a lock the
// application can hold), taken in signal handlers, and by normal code only
// with signals blocked (see SignalsBlocked), so a handler never waits on a
// lock held by the thread it interrupted.
#pragma once

#include <signal.h>
#include <sys/types.h>

namespace shmcheck::trap {

// The calling thread's kernel id, cached per thread.
pid_t current_tid();
// The child of a fork has new thread ids: forget the cached one.
void forget_cached_tid();

void trap_lock();
void trap_unlock();
bool trap_lock_held_by_me();
// In the child of a fork made while the forking thread held the lock: the
// lock now belongs to no thread.
void trap_lock_reset_in_child();

// Blocks every signal that can arrive asynchronously for the lifetime of the
// object (synchronous fault signals stay deliverable: blocking those would
// make the kernel kill the process instead of calling the handler).
class SignalsBlocked {
 public:
  SignalsBlocked();
  ~SignalsBlocked();
  SignalsBlocked(const SignalsBlocked &) = delete;
  SignalsBlocked &operator=(const SignalsBlocked &) = delete;

 private:
  sigset_t saved_;
};

// The set SignalsBlocked installs: all signals but SIGSEGV, SIGBUS, SIGILL,
// SIGFPE, SIGTRAP and SIGSYS.
void asynchronous_signals(sigset_t *set);

}  // namespace shmcheck::trap
