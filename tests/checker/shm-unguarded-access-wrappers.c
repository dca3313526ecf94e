// RUN: %shm_tidy --checks=-*,shm-unguarded-access %s -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CHECK-MESSAGES -implicit-check-not='{{warning|error}}:'
//
// Functions of the translation unit whose net effect is to take or give
// back a lock are found by summaries, without annotations: lock_segment()
// and unlock_segment() wrappers (also nested, also through a parameter), a
// try-lock wrapper, and helpers that run under a lock every caller holds.
#include <pthread.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

struct queue {
  pthread_mutex_t lock;
  int items[64];
  int count;
  int dropped;
};

static void lock_queue(struct queue *q) { pthread_mutex_lock(&q->lock); }
static void unlock_queue(struct queue *q) { pthread_mutex_unlock(&q->lock); }
static int try_lock_queue(struct queue *q) { return pthread_mutex_trylock(&q->lock); }

// Wrappers of wrappers, through a pointer to the mutex itself.
static void acquire(pthread_mutex_t *m) { pthread_mutex_lock(m); }
static void release(pthread_mutex_t *m) { pthread_mutex_unlock(m); }
static void enter(struct queue *q) { acquire(&q->lock); }
static void leave(struct queue *q) { release(&q->lock); }

// Called only with the lock held: nothing to report inside.
static void push_locked(struct queue *q, int v) {
  q->items[q->count] = v;
  q->count++;
}

// Called with and without the lock: the unlocked call makes it racy.
static void drop_one(struct queue *q) {
  q->dropped++;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: read-modify-write of shared memory 'q->dropped' without holding a lock [shm-unguarded-access]
}

static void produce(struct queue *q, int v) {
  lock_queue(q);
  if (q->count < 64)
    push_locked(q, v);
  else
    drop_one(q);
  unlock_queue(q);

  enter(q);
  push_locked(q, v + 1);
  leave(q);

  if (try_lock_queue(q) == 0) {
    push_locked(q, v + 2);
    unlock_queue(q);
  } else {
    drop_one(q);
  }
  q->count = 0;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: write to shared memory 'q->count' without holding a lock [shm-unguarded-access]
}

int main(void) {
  int id = shmget(IPC_PRIVATE, sizeof(struct queue), IPC_CREAT | 0600);
  struct queue *q = shmat(id, NULL, 0);
  shmctl(id, IPC_RMID, NULL);
  if (q == (void *)-1)
    return 1;
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  pthread_mutex_init(&q->lock, &attr);
  pid_t child = fork();
  for (int i = 0; i < 100; ++i)
    produce(q, i);
  if (child == 0)
    _exit(0);
  waitpid(child, NULL, 0);
  shmdt(q);
  return 0;
}
