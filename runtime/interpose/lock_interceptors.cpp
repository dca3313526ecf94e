// pthread mutexes, read-write locks and spinlocks: unlock -> lock edges, and
// the locks held, for reports. The real call always runs on the alias view of
// an object that lives in a watched segment.
#include <pthread.h>

#include <cerrno>

#include "interpose/interceptor.h"
#include "interpose/real_functions.h"
#include "interpose/runtime_state.h"
#include "interpose/sync_events.h"
#include "trap/trap_budget.h"

using namespace shmcheck;
using namespace shmcheck::interpose;

namespace {

// A lock call succeeded when it returned 0; EOWNERDEAD also hands over a
// robust mutex (its previous owner died holding it).
bool locked(int rc) { return rc == 0 || rc == EOWNERDEAD; }

template <typename T, typename Call>
int lock_with(T *object, bool shared, Call &&call) {
  if (!should_check())
    return call(object);
  int rc;
  {
    trap::BudgetedWait waiting;
    rc = call(usable(object));
  }
  if (locked(rc))
    lock_taken(sync_key_for(object), shared);
  return rc;
}

// A robust mutex whose owner died: the locker gets EOWNERDEAD and repairs
// what the owner left, so it is ordered after everything the owner did.
template <typename Call>
int mutex_lock_with(pthread_mutex_t *mutex, Call &&call) {
  if (!should_check())
    return call(mutex);
  int rc;
  {
    trap::BudgetedWait waiting;
    rc = call(usable(mutex));
  }
  if (rc == EOWNERDEAD)
    owner_died_event(sync_key_for(mutex));
  if (locked(rc))
    lock_taken(sync_key_for(mutex), false);
  return rc;
}

template <typename T, typename Call>
int unlock_with(T *object, Call &&call) {
  if (!should_check())
    return call(object);
  lock_released(sync_key_for(object));
  return call(usable(object));
}

}  // namespace

// --- mutexes ---------------------------------------------------------------

SHMCHECK_INTERCEPTOR int pthread_mutex_lock(pthread_mutex_t *m) noexcept {
  return mutex_lock_with(m, [](pthread_mutex_t *o) {
    return real::pthread_mutex_lock()(o);
  });
}

SHMCHECK_INTERCEPTOR int pthread_mutex_trylock(pthread_mutex_t *m) noexcept {
  return mutex_lock_with(m, [](pthread_mutex_t *o) {
    return real::pthread_mutex_trylock()(o);
  });
}

SHMCHECK_INTERCEPTOR int pthread_mutex_timedlock(
    pthread_mutex_t *m, const struct timespec *abstime) noexcept {
  return mutex_lock_with(m, [abstime](pthread_mutex_t *o) {
    return real::pthread_mutex_timedlock()(o, abstime);
  });
}

SHMCHECK_INTERCEPTOR int pthread_mutex_clocklock(
    pthread_mutex_t *m, clockid_t clock, const struct timespec *abstime) noexcept {
  return mutex_lock_with(m, [clock, abstime](pthread_mutex_t *o) {
    return real::pthread_mutex_clocklock()(o, clock, abstime);
  });
}

SHMCHECK_INTERCEPTOR int pthread_mutex_unlock(pthread_mutex_t *m) noexcept {
  return unlock_with(m, [](pthread_mutex_t *o) {
    return real::pthread_mutex_unlock()(o);
  });
}

// --- read-write locks ------------------------------------------------------

SHMCHECK_INTERCEPTOR int pthread_rwlock_rdlock(pthread_rwlock_t *l) noexcept {
  return lock_with(l, true, [](pthread_rwlock_t *o) {
    return real::pthread_rwlock_rdlock()(o);
  });
}

SHMCHECK_INTERCEPTOR int pthread_rwlock_tryrdlock(pthread_rwlock_t *l) noexcept {
  return lock_with(l, true, [](pthread_rwlock_t *o) {
    return real::pthread_rwlock_tryrdlock()(o);
  });
}

SHMCHECK_INTERCEPTOR int pthread_rwlock_timedrdlock(
    pthread_rwlock_t *l, const struct timespec *abstime) noexcept {
  return lock_with(l, true, [abstime](pthread_rwlock_t *o) {
    return real::pthread_rwlock_timedrdlock()(o, abstime);
  });
}

SHMCHECK_INTERCEPTOR int pthread_rwlock_clockrdlock(
    pthread_rwlock_t *l, clockid_t clock, const struct timespec *abstime) noexcept {
  return lock_with(l, true, [clock, abstime](pthread_rwlock_t *o) {
    return real::pthread_rwlock_clockrdlock()(o, clock, abstime);
  });
}

SHMCHECK_INTERCEPTOR int pthread_rwlock_wrlock(pthread_rwlock_t *l) noexcept {
  return lock_with(l, false, [](pthread_rwlock_t *o) {
    return real::pthread_rwlock_wrlock()(o);
  });
}

SHMCHECK_INTERCEPTOR int pthread_rwlock_trywrlock(pthread_rwlock_t *l) noexcept {
  return lock_with(l, false, [](pthread_rwlock_t *o) {
    return real::pthread_rwlock_trywrlock()(o);
  });
}

SHMCHECK_INTERCEPTOR int pthread_rwlock_timedwrlock(
    pthread_rwlock_t *l, const struct timespec *abstime) noexcept {
  return lock_with(l, false, [abstime](pthread_rwlock_t *o) {
    return real::pthread_rwlock_timedwrlock()(o, abstime);
  });
}

SHMCHECK_INTERCEPTOR int pthread_rwlock_clockwrlock(
    pthread_rwlock_t *l, clockid_t clock, const struct timespec *abstime) noexcept {
  return lock_with(l, false, [clock, abstime](pthread_rwlock_t *o) {
    return real::pthread_rwlock_clockwrlock()(o, clock, abstime);
  });
}

SHMCHECK_INTERCEPTOR int pthread_rwlock_unlock(pthread_rwlock_t *l) noexcept {
  return unlock_with(l, [](pthread_rwlock_t *o) {
    return real::pthread_rwlock_unlock()(o);
  });
}

// --- spinlocks -------------------------------------------------------------

SHMCHECK_INTERCEPTOR int pthread_spin_lock(pthread_spinlock_t *l) noexcept {
  return lock_with(l, false, [](pthread_spinlock_t *o) {
    return real::pthread_spin_lock()(o);
  });
}

SHMCHECK_INTERCEPTOR int pthread_spin_trylock(pthread_spinlock_t *l) noexcept {
  return lock_with(l, false, [](pthread_spinlock_t *o) {
    return real::pthread_spin_trylock()(o);
  });
}

SHMCHECK_INTERCEPTOR int pthread_spin_unlock(pthread_spinlock_t *l) noexcept {
  return unlock_with(l, [](pthread_spinlock_t *o) {
    return real::pthread_spin_unlock()(o);
  });
}
