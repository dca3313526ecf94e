// The end of a sync object's life: its clock is dropped, so that a new
// object later made at the same place (same segment offset, same semid)
// starts without the old one's history. The destroy itself runs on the alias
// view of an object in a watched segment, like every other call on it.
#include <pthread.h>
#include <semaphore.h>
#include <sys/sem.h>

#include <cerrno>
#include <cstdarg>

#include "interpose/interceptor.h"
#include "interpose/real_functions.h"
#include "interpose/runtime_state.h"
#include "interpose/sync_events.h"

using namespace shmcheck;
using namespace shmcheck::interpose;

namespace {

template <typename T, typename Call>
int destroy_with(T *object, Call &&call) {
  if (!should_check())
    return call(object);
  const core::SyncKey key = sync_key_for(object);
  const int rc = call(usable(object));
  if (rc == 0)
    sync_destroyed_event(key);
  return rc;
}

}  // namespace

SHMCHECK_INTERCEPTOR int pthread_mutex_destroy(pthread_mutex_t *m) noexcept {
  return destroy_with(m, [](pthread_mutex_t *o) {
    return real::pthread_mutex_destroy()(o);
  });
}

SHMCHECK_INTERCEPTOR int pthread_rwlock_destroy(pthread_rwlock_t *l) noexcept {
  return destroy_with(l, [](pthread_rwlock_t *o) {
    return real::pthread_rwlock_destroy()(o);
  });
}

SHMCHECK_INTERCEPTOR int pthread_spin_destroy(pthread_spinlock_t *l) noexcept {
  return destroy_with(l, [](pthread_spinlock_t *o) {
    return real::pthread_spin_destroy()(o);
  });
}

SHMCHECK_INTERCEPTOR int pthread_cond_destroy(pthread_cond_t *c) noexcept {
  return destroy_with(c, [](pthread_cond_t *o) {
    return real::pthread_cond_destroy()(o);
  });
}

SHMCHECK_INTERCEPTOR int pthread_barrier_destroy(pthread_barrier_t *b) noexcept {
  return destroy_with(b, [](pthread_barrier_t *o) {
    return real::pthread_barrier_destroy()(o);
  });
}

SHMCHECK_INTERCEPTOR int sem_destroy(sem_t *s) noexcept {
  return destroy_with(s, [](sem_t *o) { return real::sem_destroy()(o); });
}

// semctl's fourth argument (union semun) is passed on unchanged; IPC_RMID
// ends every semaphore of the set.
SHMCHECK_INTERCEPTOR int semctl(int semid, int semnum, int cmd, ...) noexcept {
  va_list args;
  va_start(args, cmd);
  const unsigned long arg = va_arg(args, unsigned long);
  va_end(args);
  if (cmd != IPC_RMID || !should_check())
    return real::semctl()(semid, semnum, cmd, arg);
  struct semid_ds ds;
  unsigned long count = 0;
  if (real::semctl()(semid, 0, IPC_STAT, &ds) == 0)
    count = ds.sem_nsems;
  const int rc = real::semctl()(semid, semnum, cmd, arg);
  if (rc == 0) {
    const int saved_errno = errno;
    for (unsigned long i = 0; i < count; ++i)
      sync_destroyed_event(
          {core::SyncKind::SysVSemaphore, static_cast<uint64_t>(semid), i});
    errno = saved_errno;
  }
  return rc;
}
