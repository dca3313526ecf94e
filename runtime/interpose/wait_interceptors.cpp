// Condition variables and barriers: the calls that block until another
// thread (of any process) arrives.
#include <pthread.h>

#include "interpose/interceptor.h"
#include "interpose/real_functions.h"
#include "interpose/runtime_state.h"
#include "interpose/sync_events.h"
#include "trap/trap_budget.h"

using namespace shmcheck;
using namespace shmcheck::interpose;

namespace {

// pthread_cond_*wait releases the mutex, sleeps, and takes the mutex again;
// a signal or broadcast orders what the signaller did before it.
template <typename Call>
int cond_wait_with(pthread_cond_t *cond, pthread_mutex_t *mutex, Call &&call) {
  if (!should_check())
    return call(cond, mutex);
  const auto mutex_key = sync_key_for(mutex);
  lock_released(mutex_key);
  int rc;
  {
    trap::BudgetedWait waiting;
    rc = call(usable(cond), usable(mutex));
  }
  // The mutex is held again whatever rc is (timeouts included).
  lock_taken(mutex_key, false);
  acquire_event(sync_key_for(cond));
  return rc;
}

}  // namespace

SHMCHECK_INTERCEPTOR int pthread_cond_wait(pthread_cond_t *cond,
                                           pthread_mutex_t *mutex) {
  return cond_wait_with(cond, mutex, [](pthread_cond_t *c, pthread_mutex_t *m) {
    return real::pthread_cond_wait()(c, m);
  });
}

SHMCHECK_INTERCEPTOR int pthread_cond_timedwait(pthread_cond_t *cond,
                                                pthread_mutex_t *mutex,
                                                const struct timespec *abstime) {
  return cond_wait_with(cond, mutex,
                        [abstime](pthread_cond_t *c, pthread_mutex_t *m) {
                          return real::pthread_cond_timedwait()(c, m, abstime);
                        });
}

SHMCHECK_INTERCEPTOR int pthread_cond_clockwait(pthread_cond_t *cond,
                                                pthread_mutex_t *mutex,
                                                clockid_t clock,
                                                const struct timespec *abstime) {
  return cond_wait_with(
      cond, mutex, [clock, abstime](pthread_cond_t *c, pthread_mutex_t *m) {
        return real::pthread_cond_clockwait()(c, m, clock, abstime);
      });
}

SHMCHECK_INTERCEPTOR int pthread_cond_signal(pthread_cond_t *cond) noexcept {
  if (!should_check())
    return real::pthread_cond_signal()(cond);
  release_event(sync_key_for(cond));
  return real::pthread_cond_signal()(usable(cond));
}

SHMCHECK_INTERCEPTOR int pthread_cond_broadcast(pthread_cond_t *cond) noexcept {
  if (!should_check())
    return real::pthread_cond_broadcast()(cond);
  release_event(sync_key_for(cond));
  return real::pthread_cond_broadcast()(usable(cond));
}

// Everything each thread did before arriving happens-before everything any
// of them does after leaving. (The barrier's clock keeps growing over
// phases: a thread leaving late may also acquire what a fast thread released
// on arriving at the next phase, which can hide a race, never invent one.)
SHMCHECK_INTERCEPTOR int pthread_barrier_wait(pthread_barrier_t *barrier) noexcept {
  if (!should_check())
    return real::pthread_barrier_wait()(barrier);
  const auto key = sync_key_for(barrier);
  release_event(key);
  int rc;
  {
    trap::BudgetedWait waiting;
    rc = real::pthread_barrier_wait()(usable(barrier));
  }
  acquire_event(key);
  return rc;
}
