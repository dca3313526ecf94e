// RUN: %shm_tidy --checks=-*,shm-unguarded-access %s -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CHECK-MESSAGES -implicit-check-not='{{warning|error}}:'
//
// Atomic publication: a release (or sequentially consistent) store to a
// flag, or a release fence before a relaxed store, publishes what came
// before it to whoever loads the flag with acquire: C11 <stdatomic.h>, GCC
// __atomic builtins, _Atomic objects, both directions. A plain access of
// memory others update atomically races with them.
#include <stdatomic.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

struct mailbox {
  long payload;
  long extra;
  long fenced;
  long reply;
  long early;
  atomic_int ready;
  int gcc_ready;
  atomic_int fence_ready;
  _Atomic int answered;
  long count;
  long hits;
};

int main(void) {
  struct mailbox *m = mmap(NULL, sizeof *m, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  pid_t pid = fork();
  if (pid == 0) {
    m->payload = 42;
    atomic_store_explicit(&m->ready, 1, memory_order_release);
    m->extra = 7;
    __atomic_store_n(&m->gcc_ready, 1, __ATOMIC_RELEASE);
    m->fenced = 9;
    atomic_thread_fence(memory_order_release);
    atomic_store_explicit(&m->fence_ready, 1, memory_order_relaxed);
    m->early = 1;
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: write to shared memory 'm->early' without holding a lock [shm-unguarded-access]
    __atomic_fetch_add(&m->count, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&m->hits, 1, __ATOMIC_RELAXED);
    // The other direction: the parent publishes, the child reads.
    while (!m->answered)
      ;
    printf("%ld\n", m->reply);
    _exit(0);
  }
  printf("%ld\n", m->early);
  // CHECK-MESSAGES: :[[@LINE-1]]:19: warning: read of shared memory 'm->early' without holding a lock [shm-unguarded-access]
  while (!atomic_load_explicit(&m->ready, memory_order_acquire))
    ;
  printf("%ld\n", m->payload);
  while (!__atomic_load_n(&m->gcc_ready, __ATOMIC_ACQUIRE))
    ;
  printf("%ld\n", m->extra);
  while (!atomic_load_explicit(&m->fence_ready, memory_order_relaxed))
    ;
  atomic_thread_fence(memory_order_acquire);
  printf("%ld\n", m->fenced);
  printf("%ld\n", m->hits);
  // CHECK-MESSAGES: :[[@LINE-1]]:19: warning: read of shared memory 'm->hits' without holding a lock [shm-unguarded-access]
  m->reply = 5;
  m->answered = 1;
  printf("%ld\n", m->count);
  // CHECK-MESSAGES: :[[@LINE-1]]:19: warning: read of shared memory 'm->count' without holding a lock [shm-unguarded-access]
  waitpid(pid, NULL, 0);
  return 0;
}
