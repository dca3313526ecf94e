// RUN: cp %s %t.c
// RUN: %shm_tidy --checks=-*,shm-process-shared-sync --fix %t.c -- %clang_flags > %t.log 2>&1
// RUN: FileCheck %s -check-prefix=CHECK-FIXES --input-file=%t.c
// RUN: clang-19 -fsyntax-only -Wno-everything %t.c
// RUN: %shm_tidy --checks=-*,shm-process-shared-sync %t.c -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=FIXED --allow-empty
// FIXED-NOT: {{warning|error}}:
//
// pshared arguments turned from private to shared.
#include <pthread.h>
#include <semaphore.h>
#include <sys/ipc.h>
#include <sys/shm.h>

struct ring {
  sem_t items;
  sem_t slots;
  pthread_spinlock_t stats;
  int data[16];
};

int setup(int id) {
  struct ring *r = shmat(id, NULL, 0);
  if (r == (void *)-1)
    return -1;
  sem_init(&r->items, 0, 0);
  // CHECK-FIXES: {{^}}  sem_init(&r->items, 1, 0);
  sem_init(&r->slots, 0, 16);
  // CHECK-FIXES: {{^}}  sem_init(&r->slots, 1, 16);
  pthread_spin_init(&r->stats, PTHREAD_PROCESS_PRIVATE);
  // CHECK-FIXES: {{^}}  pthread_spin_init(&r->stats, PTHREAD_PROCESS_SHARED);
  return 0;
}
