#include "robust_mutex.h"

#include <cerrno>

#include "libc_direct.h"

namespace shmcheck::core {

bool RobustMutex::init() {
  pthread_mutexattr_t attr;
  if (pthread_mutexattr_init(&attr) != 0) return false;
  bool ok = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED) == 0 &&
            pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST) == 0 &&
            pthread_mutex_init(&mutex, &attr) == 0;
  pthread_mutexattr_destroy(&attr);
  return ok;
}

namespace {

constexpr int kSpins = 200;

}  // namespace

void RobustLock::take_over_if_owner_died(int rc) {
  if (rc == EOWNERDEAD) {
    // The previous owner died inside its critical section. What it guarded
    // may be half-updated; readers tolerate that, so take the lock over.
    pthread_mutex_consistent(&mutex_.mutex);
    note_lock_recovered();
    rc = 0;
  }
  locked_ = rc == 0;
}

RobustLock::RobustLock(RobustMutex &mutex) : mutex_(mutex) {
  sigset_t all;
  sigfillset(&all);
  libc::signal_mask(SIG_SETMASK, &all, &saved_mask_);
  mask_changed_ = true;
  take_over_if_owner_died(libc::mutex_lock(&mutex_.mutex));
  if (!locked_) {
    libc::signal_mask(SIG_SETMASK, &saved_mask_, nullptr);
    mask_changed_ = false;
  }
}

RobustLock::RobustLock(RobustMutex &mutex, SignalsStayOpen) : mutex_(mutex) {
  int rc = libc::mutex_trylock(&mutex_.mutex);
  for (int spin = 0; rc == EBUSY && spin < kSpins; ++spin) {
    // Wait by reading the lock word (glibc's, part of its ABI): a failed
    // trylock writes, and would keep the holder's cache line bouncing.
    __builtin_ia32_pause();
    if (__atomic_load_n(&mutex_.mutex.__data.__lock, __ATOMIC_RELAXED) == 0)
      rc = libc::mutex_trylock(&mutex_.mutex);
  }
  if (rc == EBUSY)
    rc = libc::mutex_lock(&mutex_.mutex);
  take_over_if_owner_died(rc);
}

RobustLock::~RobustLock() {
  if (!locked_) return;
  libc::mutex_unlock(&mutex_.mutex);
  if (mask_changed_) libc::signal_mask(SIG_SETMASK, &saved_mask_, nullptr);
}

}  // namespace shmcheck::core
