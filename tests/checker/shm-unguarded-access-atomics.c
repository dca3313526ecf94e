// RUN: %shm_tidy --checks=-*,shm-unguarded-access %s -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CHECK-MESSAGES -implicit-check-not='{{warning|error}}:'
//
// Atomic accesses are synchronised by themselves: C11 _Atomic objects and
// <stdatomic.h> calls, the __atomic_* and __sync_* builtins. volatile is
// not atomic. Synchronisation objects (mutexes, semaphores) in the segment
// are not data either.
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

struct counters {
  _Atomic long c11;
  atomic_int typedefed;
  long builtin;
  long legacy;
  volatile long flag;
  pthread_mutex_t lock;
  sem_t sem;
};

static void bump(struct counters *c) {
  c->c11++;
  c->c11 += 2;
  long seen = c->c11;
  atomic_fetch_add(&c->typedefed, 1);
  atomic_store_explicit(&c->typedefed, (int)seen, memory_order_release);
  __atomic_fetch_add(&c->builtin, 1, __ATOMIC_SEQ_CST);
  long now = __atomic_load_n(&c->builtin, __ATOMIC_ACQUIRE);
  __sync_fetch_and_add(&c->legacy, now);
  __sync_bool_compare_and_swap(&c->legacy, 0, 1);
  c->flag = 1;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: write to shared memory 'c->flag' without holding a lock [shm-unguarded-access]
  while (c->flag == 0)
    // CHECK-MESSAGES: :[[@LINE-1]]:10: warning: read of shared memory 'c->flag' without holding a lock [shm-unguarded-access]
    ;
}

int main(void) {
  struct counters *c = mmap(NULL, sizeof *c, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (c == MAP_FAILED)
    return 1;
  pid_t child = fork();
  bump(c);
  sem_init(&c->sem, 1, 1);
  pthread_mutex_destroy(&c->lock);
  if (child == 0)
    _exit(0);
  waitpid(child, NULL, 0);
  return 0;
}
