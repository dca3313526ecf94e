// RUN: %shm_tidy --checks=-*,shm-unguarded-access %s -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CHECK-MESSAGES -implicit-check-not='{{warning|error}}:'
//
// Two producers synchronised only by counting semaphores: both read and
// write `head`, so both may fill the same slot, and the consumer may read a
// slot a second producer is still writing. The twin takes a mutex around the
// index and the slot.
#include <semaphore.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define N 8

struct ring {
  sem_t slots;
  sem_t items;
  sem_t mutex;
  int head;
  int tail;
  long buf[N];
};

struct locked_ring {
  sem_t slots;
  sem_t items;
  sem_t mutex;
  int head;
  int tail;
  long buf[N];
};

static void produce(struct ring *r, long v) {
  sem_wait(&r->slots);
  int h = r->head;
  // CHECK-MESSAGES: :[[@LINE-1]]:11: warning: read of shared memory 'r->head' without holding a lock [shm-unguarded-access]
  r->buf[h] = v;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: write to shared memory 'r->buf[h]' without holding a lock [shm-unguarded-access]
  r->head = (h + 1) % N;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: write to shared memory 'r->head' without holding a lock [shm-unguarded-access]
  sem_post(&r->items);
}

static long consume(struct ring *r) {
  sem_wait(&r->items);
  long v = r->buf[r->tail];
  // CHECK-MESSAGES: :[[@LINE-1]]:12: warning: read of shared memory 'r->buf[r->tail]' without holding a lock [shm-unguarded-access]
  r->tail = (r->tail + 1) % N;
  sem_post(&r->slots);
  return v;
}

static void produce_locked(struct locked_ring *r, long v) {
  sem_wait(&r->slots);
  sem_wait(&r->mutex);
  int h = r->head;
  r->buf[h] = v;
  r->head = (h + 1) % N;
  sem_post(&r->mutex);
  sem_post(&r->items);
}

static long consume_locked(struct locked_ring *r) {
  sem_wait(&r->items);
  sem_wait(&r->mutex);
  long v = r->buf[r->tail];
  r->tail = (r->tail + 1) % N;
  sem_post(&r->mutex);
  sem_post(&r->slots);
  return v;
}

int main(void) {
  struct ring *r = mmap(NULL, sizeof *r, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  struct locked_ring *l = mmap(NULL, sizeof *l, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  sem_init(&r->slots, 1, N);
  sem_init(&r->items, 1, 0);
  sem_init(&l->slots, 1, N);
  sem_init(&l->items, 1, 0);
  sem_init(&l->mutex, 1, 1);
  for (int p = 0; p < 2; ++p)
    if (fork() == 0) {
      for (long i = 0; i < 100; ++i) {
        produce(r, i);
        produce_locked(l, i);
      }
      _exit(0);
    }
  long sum = 0;
  for (int i = 0; i < 200; ++i)
    sum += consume(r) + consume_locked(l);
  while (wait(NULL) > 0)
    ;
  printf("%ld\n", sum);
  return 0;
}
