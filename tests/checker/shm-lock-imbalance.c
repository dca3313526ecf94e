// RUN: %shm_tidy --checks=-*,shm-lock-imbalance %s -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CHECK-MESSAGES -implicit-check-not='{{warning|error}}:'
//
// Locks on a table in shared memory: pthread mutexes, POSIX semaphores used
// as locks and as signals, System V semaphores through P()/V() wrappers.
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <time.h>
#include <unistd.h>

struct table {
  pthread_mutex_t lock;
  pthread_rwlock_t index_lock;
  sem_t guard;
  sem_t items;
  sem_t slots;
  int closed;
  int count;
  int rows[64];
};

void lock_table(struct table *t);
void unlock_table(struct table *t);

// ---- lock still held on a way out ---------------------------------------------

int insert_row(struct table *t, int row) {
  pthread_mutex_lock(&t->lock);
  if (t->count == 64)
    return -1;
  // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: 't->lock' is still held when 'insert_row' returns [shm-lock-imbalance]
  // CHECK-MESSAGES: :[[@LINE-4]]:3: note: 't->lock' acquired here
  t->rows[t->count++] = row;
  pthread_mutex_unlock(&t->lock);
  return 0;
}

int remove_row(struct table *t) {
  if (sem_wait(&t->guard) == -1)
    return -1;
  if (t->count == 0)
    return -1;
  // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: 't->guard' is still held when 'remove_row' returns [shm-lock-imbalance]
  int row = t->rows[--t->count];
  sem_post(&t->guard);
  return row;
}

void scan_rows(struct table *t, int limit) {
  for (int i = 0; i < limit; ++i) {
    pthread_mutex_lock(&t->lock);
    if (t->rows[i] < 0)
      break;
    t->rows[i]++;
    pthread_mutex_unlock(&t->lock);
  }
}
// CHECK-MESSAGES: :[[@LINE-1]]:1: warning: 't->lock' is still held at the end of 'scan_rows' [shm-lock-imbalance]

// ---- release of a lock not held -----------------------------------------------

void clear_rows(struct table *t) {
  pthread_mutex_lock(&t->lock);
  t->count = 0;
  pthread_mutex_unlock(&t->lock);
  pthread_mutex_unlock(&t->lock);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 't->lock' released while not held [shm-lock-imbalance]
}

int resize(struct table *t, int count) {
  int rc = -1;
  if (count > 64)
    goto out;
  pthread_mutex_lock(&t->lock);
  t->count = count;
  rc = 0;
out:
  pthread_mutex_unlock(&t->lock);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 't->lock' released while not held on every path [shm-lock-imbalance]
  // CHECK-MESSAGES: :[[@LINE-7]]:5: note: 't->lock' not acquired on the path through here
  return rc;
}

void reindex(struct table *t) {
  pthread_rwlock_wrlock(&t->index_lock);
  t->count = 0;
  pthread_rwlock_unlock(&t->index_lock);
  pthread_rwlock_unlock(&t->index_lock);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 't->index_lock' released while not held [shm-lock-imbalance]
}

void close_twice(struct table *t) {
  lock_table(t);
  t->closed = 1;
  unlock_table(t);
  unlock_table(t);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: '{{.*}}' released while not held [shm-lock-imbalance]
}

// ---- second acquire -----------------------------------------------------------

void append_twice(struct table *t, int row) {
  pthread_mutex_lock(&t->lock);
  t->rows[t->count++] = row;
  pthread_mutex_lock(&t->lock);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 't->lock' acquired while already held [shm-lock-imbalance]
  // CHECK-MESSAGES: :[[@LINE-4]]:3: note: 't->lock' acquired here
  t->rows[t->count++] = row;
  pthread_mutex_unlock(&t->lock);
}

void upgrade(struct table *t) {
  pthread_rwlock_rdlock(&t->index_lock);
  if (t->count > 32)
    pthread_rwlock_wrlock(&t->index_lock);
  // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: 't->index_lock' acquired while already held [shm-lock-imbalance]
  pthread_rwlock_unlock(&t->index_lock);
}

// ---- System V semaphores through wrappers --------------------------------------

static int semid;

static void P(int n) {
  struct sembuf op = {(unsigned short)n, -1, SEM_UNDO};
  while (semop(semid, &op, 1) == -1 && errno == EINTR)
    ;
}

static void V(int n) {
  struct sembuf op = {(unsigned short)n, 1, SEM_UNDO};
  semop(semid, &op, 1);
}

int store(struct table *t, int row) {
  P(0);
  if (row < 0)
    return -1;
  // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: '{{.*}}' is still held when 'store' returns [shm-lock-imbalance]
  t->rows[t->count++] = row;
  V(0);
  return 0;
}

int main(void) {
  int id = shmget(IPC_PRIVATE, sizeof(struct table), IPC_CREAT | 0600);
  struct table *t = shmat(id, NULL, 0);
  if (t == (void *)-1)
    return 1;
  pthread_mutex_lock(&t->lock);
  t->count = 0;
  return 0;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 't->lock' is still held when 'main' returns [shm-lock-imbalance]
}

// ---- balanced: no diagnostics ------------------------------------------------

int insert_checked(struct table *t, int row) {
  pthread_mutex_lock(&t->lock);
  if (t->count == 64) {
    pthread_mutex_unlock(&t->lock);
    return -1;
  }
  t->rows[t->count++] = row;
  pthread_mutex_unlock(&t->lock);
  return 0;
}

int insert_cleanup(struct table *t, int row) {
  int rc = -1;
  pthread_mutex_lock(&t->lock);
  if (t->closed)
    goto unlock;
  if (t->count == 64)
    goto unlock;
  t->rows[t->count++] = row;
  rc = 0;
unlock:
  pthread_mutex_unlock(&t->lock);
  return rc;
}

// Acquire wrappers hand the lock to their callers.
void lock_table(struct table *t) { pthread_mutex_lock(&t->lock); }
void unlock_table(struct table *t) { pthread_mutex_unlock(&t->lock); }

int open_table(struct table *t) {
  pthread_mutex_lock(&t->lock);
  if (t->closed) {
    pthread_mutex_unlock(&t->lock);
    return -1;
  }
  return 0; // locked on success: the caller unlocks
}

static int take_guard(struct table *t) {
  while (sem_wait(&t->guard) == -1) {
    if (errno != EINTR)
      return -1;
  }
  return 0;
}

int try_lock_table(struct table *t) { return pthread_mutex_trylock(&t->lock); }

void use_wrappers(struct table *t) {
  lock_table(t);
  t->count++;
  unlock_table(t);
  if (open_table(t) == 0) {
    t->count++;
    unlock_table(t);
  }
  if (take_guard(t) == 0) {
    t->count--;
    sem_post(&t->guard);
  }
  if (try_lock_table(t) == 0) {
    t->count = 0;
    unlock_table(t);
  }
  P(1);
  t->rows[0] = 0;
  V(1);
}

// Error handling of the acquire itself.
int insert_lock_checked(struct table *t, int row) {
  if (pthread_mutex_lock(&t->lock) != 0)
    return -1;
  t->rows[t->count++] = row;
  pthread_mutex_unlock(&t->lock);
  return 0;
}

int insert_timed(struct table *t, int row) {
  struct timespec deadline;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += 1;
  int rc = pthread_mutex_timedlock(&t->lock, &deadline);
  if (rc == ETIMEDOUT)
    return -1;
  t->rows[t->count++] = row;
  pthread_mutex_unlock(&t->lock);
  return 0;
}

int insert_if_locked(struct table *t, int row) {
  int rc;
  if ((rc = pthread_mutex_lock(&t->lock)) == 0) {
    t->rows[t->count++] = row;
    pthread_mutex_unlock(&t->lock);
  }
  return rc;
}

int remove_waiting(struct table *t) {
  if (sem_wait(&t->guard) < 0) {
    perror("sem_wait");
    return -1;
  }
  int row = t->rows[--t->count];
  sem_post(&t->guard);
  return row;
}

void try_compact(struct table *t) {
  if (pthread_mutex_trylock(&t->lock) != 0)
    return;
  t->count = 0;
  pthread_mutex_unlock(&t->lock);
}

// Semaphores as signals between processes are not locks.
void produce(struct table *t, int row) {
  sem_wait(&t->slots);
  pthread_mutex_lock(&t->lock);
  t->rows[t->count++] = row;
  pthread_mutex_unlock(&t->lock);
  sem_post(&t->items);
}

int consume(struct table *t) {
  sem_wait(&t->items);
  pthread_mutex_lock(&t->lock);
  int row = t->rows[--t->count];
  pthread_mutex_unlock(&t->lock);
  sem_post(&t->slots);
  return row;
}

void take_two_slots(struct table *t) {
  sem_wait(&t->slots);
  sem_wait(&t->slots);
  t->count += 2;
  sem_post(&t->slots);
  sem_post(&t->slots);
}

// Locking that depends on a flag, released under the same flag.
void bump(struct table *t, int shared) {
  if (shared)
    pthread_mutex_lock(&t->lock);
  t->count++;
  if (shared)
    pthread_mutex_unlock(&t->lock);
}

void read_twice(struct table *t) {
  pthread_rwlock_rdlock(&t->index_lock);
  pthread_rwlock_rdlock(&t->index_lock);
  t->rows[0] = t->count;
  pthread_rwlock_unlock(&t->index_lock);
  pthread_rwlock_unlock(&t->index_lock);
}

void wait_for_rows(struct table *t, pthread_cond_t *more) {
  pthread_mutex_lock(&t->lock);
  while (t->count == 0)
    pthread_cond_wait(more, &t->lock);
  t->count--;
  pthread_mutex_unlock(&t->lock);
}

int shut_down(struct table *t) {
  pthread_mutex_lock(&t->lock);
  if (t->closed) {
    fprintf(stderr, "table closed twice\n");
    exit(EXIT_FAILURE); // the process ends: not a way back to a caller
  }
  t->closed = 1;
  pthread_mutex_unlock(&t->lock);
  return 0;
}

void relock_loop(struct table *t, int n) {
  for (int i = 0; i < n; ++i) {
    pthread_mutex_lock(&t->lock);
    t->rows[i % 64] = i;
    pthread_mutex_unlock(&t->lock);
  }
}

// Unlocked on the early way out, forgotten on the normal one; the caller
// does not unlock either, so this is no wrapper.
int count_open_rows(struct table *t) {
  pthread_mutex_lock(&t->lock);
  if (t->closed) {
    pthread_mutex_unlock(&t->lock);
    return 0;
  }
  int n = t->count;
  return n;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 't->lock' is still held when 'count_open_rows' returns [shm-lock-imbalance]
}

int report(struct table *t) { return count_open_rows(t); }

// No caller in this file, but the result says whether the table is locked.
int begin_write(struct table *t) {
  if (pthread_mutex_lock(&t->lock) != 0)
    return -1;
  if (t->closed) {
    pthread_mutex_unlock(&t->lock);
    return -1;
  }
  return 0;
}

// ---- processes ending with a lock held ---------------------------------------

int run_worker(int id) {
  struct table *t = shmat(id, NULL, 0);
  if (t == (void *)-1)
    return -1;
  if (fork() == 0) {
    pthread_mutex_lock(&t->lock);
    t->count++;
    _exit(0); // the parent waits for t->lock forever
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: 't->lock' is still held when the process exits [shm-lock-imbalance]
  }
  pthread_mutex_lock(&t->lock);
  if (t->closed) {
    fprintf(stderr, "closed\n");
    exit(EXIT_FAILURE); // an error exit: not reported
  }
  t->count--;
  pthread_mutex_unlock(&t->lock);
  return 0;
}

// A semaphore created with the value 1 is a mutex, even where it is only
// waited on.
void setup_guard(struct table *t) { sem_init(&t->guard, 1, 1); }

void drain(struct table *t, int n) {
  for (int i = 0; i < n; ++i) {
    if (sem_wait(&t->guard) != 0)
      exit(EXIT_FAILURE);
    t->count--;
  }
}
// CHECK-MESSAGES: :[[@LINE-1]]:1: warning: 't->guard' is still held at the end of 'drain' [shm-lock-imbalance]

void drain_items(struct table *t, int n) {
  for (int i = 0; i < n; ++i)
    sem_wait(&t->items); // a signal: consumed, never posted back here
}
