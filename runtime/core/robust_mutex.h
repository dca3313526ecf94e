// A process-shared, robust mutex for the runtime's own shared state, and the
// guard that takes it.
//
// Robust: when a process dies holding it (SIGKILL, crash), the next locker
// gets EOWNERDEAD and takes over; we mark it consistent and carry on, because
// every reader of the state it guards bounds-checks what it reads.
// Signals are blocked while it is held, so that a signal handler of the same
// thread (the trap front end) never re-enters the runtime and waits for a lock
// its own thread holds. Both steps are async-signal-safe.
#pragma once

#include <pthread.h>
#include <signal.h>

namespace shmcheck::core {

// Lives in shared memory.
struct RobustMutex {
  pthread_mutex_t mutex;

  // Initializes the mutex in place (the creator of the memory does this once).
  bool init();
};
static_assert(sizeof(RobustMutex) == 40);

// Counts locks taken over from a dead owner (for reliability figures).
void note_lock_recovered();

// Asks RobustLock to leave the signal mask alone. Only for the hot paths of
// the checks (shadow cells, sync objects, stack depot, read sets), where two
// system calls per access would cost more than everything else together.
// It is safe there because every call into the core comes from a front end
// inside its re-entry guard (interpose/runtime_state.h): a signal handler
// that interrupts the thread inside the core and touches shared memory or
// synchronizes is passed through unrecorded instead of entering the core,
// so it never waits for a lock its own thread holds. (A handler that leaves
// by longjmp from inside the core would leave the lock held; blocking
// signals is what the other locks keep for that.)
struct SignalsStayOpen {};

// True when the calling thread holds, or is taking, a hot-path lock
// (SignalsStayOpen): only possible when a signal handler interrupted it
// inside the core and now calls back into it (exit() in a handler). Such a
// thread must not take the core's locks again: it could wait for itself.
// Async-signal-safe.
bool interrupted_inside_lock();

// The hot-path locks name their owner by thread id, cached per thread: the
// child of a fork must forget its parent's (core::fork_child does).
void forget_lock_owner_id();

class RobustLock {
 public:
  explicit RobustLock(RobustMutex &mutex);
  // Spins briefly before sleeping: the hot critical sections last well under
  // a microsecond, less than a futex sleep and wake-up. Not glibc's robust
  // mutex but a lock of our own on the same word (robust_mutex.cpp): every
  // user of a given mutex must take it this way.
  RobustLock(RobustMutex &mutex, SignalsStayOpen);
  ~RobustLock();
  RobustLock(const RobustLock &) = delete;
  RobustLock &operator=(const RobustLock &) = delete;

  // False when the lock could not be taken (the mutex is unusable, e.g. a
  // corrupted state object); the caller must then not touch what it guards.
  bool ok() const { return locked_; }

 private:
  void take_over_if_owner_died(int rc);

  RobustMutex &mutex_;
  sigset_t saved_mask_;
  bool locked_ = false;
  bool mask_changed_ = false;
  bool hot_ = false;  // SignalsStayOpen: counted for interrupted_inside_lock()
};

}  // namespace shmcheck::core
