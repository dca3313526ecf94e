// RUN: %shm_tidy --checks=-*,shm-lock-imbalance %s -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CHECK-MESSAGES -implicit-check-not='{{warning|error}}:'
// RUN: %shm_tidy --checks=-*,shm-lock-imbalance \
// RUN:   --config="{CheckOptions: {shm-lock-imbalance.LockFunctions: 'table_lock'}}" \
// RUN:   %s -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CHECK-NAMED -implicit-check-not='{{warning|error}}:'
//
// Lock wrappers of portable runtimes. A function that a library model (APR's
// apr_global_mutex_lock) or LockFunctions names as a lock is one, whatever
// its body looks like: returning with the lock held is its contract. A
// wrapper that locks only when the lock exists (`if (a->mutex) lock(...)`)
// holds it whenever there is one. A function that merely forgets to unlock
// is still reported.
#include <pthread.h>

typedef int apr_status_t;
typedef struct apr_proc_mutex_t apr_proc_mutex_t;
apr_status_t apr_proc_mutex_lock(apr_proc_mutex_t *mutex);
apr_status_t apr_proc_mutex_unlock(apr_proc_mutex_t *mutex);

struct apr_global_mutex_t {
  apr_proc_mutex_t *proc_mutex;
  pthread_mutex_t *thread_mutex;
};

// The library's own lock function, as APR writes it: the thread mutex is
// given back when the process mutex could not be taken.
apr_status_t apr_global_mutex_lock(struct apr_global_mutex_t *mutex) {
  apr_status_t rv;
  if (mutex->thread_mutex) {
    rv = pthread_mutex_lock(mutex->thread_mutex);
    if (rv != 0)
      return rv;
  }
  rv = apr_proc_mutex_lock(mutex->proc_mutex);
  if (rv != 0) {
    if (mutex->thread_mutex)
      pthread_mutex_unlock(mutex->thread_mutex);
  }
  return rv;
}

struct allocator {
  pthread_mutex_t *mutex;  // NULL when the allocator is not shared
  long free_bytes;
};

static void allocator_lock(struct allocator *a) {
  if (a->mutex)
    pthread_mutex_lock(a->mutex);
}

static void allocator_unlock(struct allocator *a) {
  if (a->mutex != NULL)
    pthread_mutex_unlock(a->mutex);
}

long allocator_take(struct allocator *a, long n) {
  allocator_lock(a);
  a->free_bytes -= n;
  long left = a->free_bytes;
  allocator_unlock(a);
  return left;
}

// Not a null guard: the condition is about something else, so the way
// where it is false returns without the lock and the other with it.
void counter_bump(struct allocator *a, int bump) {
  if (bump)
    pthread_mutex_lock(a->mutex);
  a->free_bytes++;
}
// CHECK-MESSAGES: :[[@LINE-1]]:1: warning: 'a->mutex' is still held at the end of 'counter_bump' [shm-lock-imbalance]
// CHECK-NAMED: :[[@LINE-2]]:1: warning: 'a->mutex' is still held at the end of 'counter_bump' [shm-lock-imbalance]

struct table {
  pthread_mutex_t lock;
  int rows;
};

// Unlocks on one way out and not on the other, and its results do not tell
// the caller which: a forgotten unlock, unless LockFunctions names it (the
// second run), when the caller owns the lock it returns with.
int table_lock(struct table *t) {
  pthread_mutex_lock(&t->lock);
  if (t->rows < 0) {
    pthread_mutex_unlock(&t->lock);
    return t->rows;
  }
  return t->rows;
}
// CHECK-MESSAGES: :[[@LINE-2]]:3: warning: 't->lock' is still held when 'table_lock' returns [shm-lock-imbalance]
