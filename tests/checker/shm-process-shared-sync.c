// RUN: %shm_tidy --checks=-*,shm-process-shared-sync %s -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CHECK-MESSAGES -implicit-check-not='{{warning|error}}:'
//
// Synchronisation objects placed in System V and POSIX shared memory.
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

struct queue {
  pthread_mutex_t lock;
  pthread_cond_t not_empty;
  pthread_rwlock_t config_lock;
  pthread_barrier_t start;
  pthread_spinlock_t stats_lock;
  sem_t items;
  sem_t slots;
  int head, tail;
  int data[32];
};

static struct queue *attach_queue(int id) {
  struct queue *q = shmat(id, NULL, 0);
  if (q == (void *)-1)
    return NULL;
  return q;
}

// ---- reported ---------------------------------------------------------------

void init_defaults(struct queue *q) {
  pthread_mutex_init(&q->lock, NULL);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'q->lock' in shared memory initialised without PTHREAD_PROCESS_SHARED [shm-process-shared-sync]
  // CHECK-MESSAGES: :[[@LINE+31]]:3: note: called with shared memory here
  pthread_cond_init(&q->not_empty, NULL);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'q->not_empty' in shared memory initialised without PTHREAD_PROCESS_SHARED [shm-process-shared-sync]
  sem_init(&q->items, 0, 0);
  // CHECK-MESSAGES: :[[@LINE-1]]:23: warning: 'q->items' in shared memory initialised with pshared 0 [shm-process-shared-sync]
  pthread_spin_init(&q->stats_lock, PTHREAD_PROCESS_PRIVATE);
  // CHECK-MESSAGES: :[[@LINE-1]]:37: warning: 'q->stats_lock' in shared memory initialised with PTHREAD_PROCESS_PRIVATE [shm-process-shared-sync]
}

void init_private_attr(struct queue *q) {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
  pthread_mutex_init(&q->lock, &attr);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'q->lock' in shared memory initialised without PTHREAD_PROCESS_SHARED [shm-process-shared-sync]
  // CHECK-MESSAGES: :[[@LINE-5]]:23: note: 'attr' is never set to PTHREAD_PROCESS_SHARED
  pthread_mutexattr_destroy(&attr);
}

void init_explicitly_private(struct queue *q) {
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setpshared(&attr, PTHREAD_PROCESS_PRIVATE);
  pthread_cond_init(&q->not_empty, &attr);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'q->not_empty' in shared memory initialised without PTHREAD_PROCESS_SHARED [shm-process-shared-sync]
}

int setup_sysv(int id) {
  struct queue *q = attach_queue(id);
  if (!q)
    return -1;
  init_defaults(q);
  init_private_attr(q);
  init_explicitly_private(q);
  return 0;
}

int setup_posix(const char *name) {
  int fd = shm_open(name, O_CREAT | O_RDWR, 0600);
  if (fd < 0 || ftruncate(fd, sizeof(struct queue)) < 0)
    return -1;
  struct queue *q = mmap(NULL, sizeof *q, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (q == MAP_FAILED)
    return -1;
  pthread_rwlock_init(&q->config_lock, NULL);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'q->config_lock' in shared memory initialised without PTHREAD_PROCESS_SHARED [shm-process-shared-sync]
  // CHECK-MESSAGES: :[[@LINE-6]]:21: note: shared memory attached here
  pthread_barrier_init(&q->start, NULL, 2);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'q->start' in shared memory initialised without PTHREAD_PROCESS_SHARED [shm-process-shared-sync]
  return 0;
}

// A helper that initialises whatever lock it is given.
static void init_lock(pthread_mutex_t *m) {
  pthread_mutex_init(m, NULL);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: '*m' in shared memory initialised without PTHREAD_PROCESS_SHARED [shm-process-shared-sync]
}

int setup_with_helper(int id) {
  struct queue *q = shmat(id, NULL, 0);
  if (q == (void *)-1)
    return -1;
  init_lock(&q->lock);
  return 0;
}

// Static initializers copied into the segment.
int setup_by_copy(int id) {
  struct queue *q = shmat(id, NULL, 0);
  if (q == (void *)-1)
    return -1;
  pthread_mutex_t initial = PTHREAD_MUTEX_INITIALIZER;
  q->lock = initial;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'q->lock' in shared memory initialised by copying a process-private object [shm-process-shared-sync]
  pthread_cond_t ready = PTHREAD_COND_INITIALIZER;
  memcpy(&q->not_empty, &ready, sizeof ready);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 'q->not_empty' in shared memory initialised by copying a process-private object [shm-process-shared-sync]
  return 0;
}

struct counter {
  pthread_mutex_t lock;
  long value;
};

int setup_forked_counter(void) {
  struct counter *c = mmap(NULL, sizeof *c, PROT_READ | PROT_WRITE,
                           MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (c == MAP_FAILED)
    return -1;
  *c = (struct counter){.lock = PTHREAD_MUTEX_INITIALIZER, .value = 0};
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: '*c' in shared memory initialised by copying a process-private object [shm-process-shared-sync]
  if (fork() == 0)
    _exit(0);
  return 0;
}

// ---- correct: no diagnostics ------------------------------------------------

static pthread_mutexattr_t shared_mutex_attr;

static void make_attrs(void) {
  pthread_mutexattr_init(&shared_mutex_attr);
  pthread_mutexattr_setpshared(&shared_mutex_attr, PTHREAD_PROCESS_SHARED);
}

static int make_shared(pthread_condattr_t *attr) {
  if (pthread_condattr_init(attr) != 0)
    return -1;
  return pthread_condattr_setpshared(attr, PTHREAD_PROCESS_SHARED);
}

static void set_shared(pthread_rwlockattr_t *attr) {
  pthread_rwlockattr_setpshared(attr, PTHREAD_PROCESS_SHARED);
}

static void prepare_rwlock_attr(pthread_rwlockattr_t *attr) {
  pthread_rwlockattr_init(attr);
  set_shared(attr);
}

int setup_correct(int id) {
  struct queue *q = shmat(id, NULL, 0);
  if (q == (void *)-1)
    return -1;
  memset(q, 0, sizeof *q);

  pthread_mutexattr_t mattr;
  pthread_mutexattr_init(&mattr);
  pthread_mutexattr_setpshared(&mattr, PTHREAD_PROCESS_SHARED);
  pthread_mutexattr_setrobust(&mattr, PTHREAD_MUTEX_ROBUST);
  pthread_mutex_init(&q->lock, &mattr);
  pthread_mutexattr_destroy(&mattr);

  pthread_condattr_t cattr;
  if (make_shared(&cattr) != 0)
    return -1;
  pthread_cond_init(&q->not_empty, &cattr);

  pthread_rwlockattr_t rwattr;
  prepare_rwlock_attr(&rwattr);
  pthread_rwlock_init(&q->config_lock, &rwattr);

  pthread_barrierattr_t battr;
  pthread_barrierattr_init(&battr);
  pthread_barrierattr_setpshared(&battr, PTHREAD_PROCESS_SHARED);
  pthread_barrier_init(&q->start, &battr, 2);

  pthread_spin_init(&q->stats_lock, PTHREAD_PROCESS_SHARED);
  sem_init(&q->items, 1, 0);
  sem_init(&q->slots, 1, 32);
  return 0;
}

int setup_global_attr(int id) {
  struct queue *q = shmat(id, NULL, 0);
  if (q == (void *)-1)
    return -1;
  make_attrs();
  return pthread_mutex_init(&q->lock, &shared_mutex_attr);
}

// The attribute comes from the caller: its setup is not ours to judge.
int init_with(struct queue *q, const pthread_mutexattr_t *attr) {
  return pthread_mutex_init(&q->lock, attr);
}

int setup_by_caller_attr(int id) {
  struct queue *q = shmat(id, NULL, 0);
  if (q == (void *)-1)
    return -1;
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
  return init_with(q, &a);
}

// Zeroed, then initialised properly: the copy does not matter.
int setup_zero_then_init(int id) {
  struct queue *q = shmat(id, NULL, 0);
  if (q == (void *)-1)
    return -1;
  *q = (struct queue){.lock = PTHREAD_MUTEX_INITIALIZER};
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
  pthread_mutex_init(&q->lock, &a);
  return 0;
}

// Process-private objects stay process-private.
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void local_objects(void) {
  pthread_mutex_t m;
  pthread_mutex_init(&m, NULL);
  sem_t done;
  sem_init(&done, 0, 0);
  pthread_mutex_t copy = PTHREAD_MUTEX_INITIALIZER;
  m = copy;
  pthread_mutex_lock(&log_lock);
  puts("local");
  pthread_mutex_unlock(&log_lock);
}
