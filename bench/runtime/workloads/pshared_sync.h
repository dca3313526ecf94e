/* Initialises pthread/semaphore objects for either shape of a workload:
 * process-shared when the memory is a segment, private for the thread twin. */
#ifndef SHMCHECK_BENCH_PSHARED_SYNC_H
#define SHMCHECK_BENCH_PSHARED_SYNC_H

#include <pthread.h>
#include <semaphore.h>

static inline void init_mutex(pthread_mutex_t *m, int process_shared) {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setpshared(&attr, process_shared ? PTHREAD_PROCESS_SHARED
                                                     : PTHREAD_PROCESS_PRIVATE);
  pthread_mutex_init(m, &attr);
  pthread_mutexattr_destroy(&attr);
}

static inline void init_semaphore(sem_t *s, int process_shared, unsigned value) {
  sem_init(s, process_shared, value);
}

#endif
