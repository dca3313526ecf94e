// RUN: %shm_tidy --checks=-*,shm-unguarded-access %s -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CHECK-MESSAGES -implicit-check-not='{{warning|error}}:'
//
// Counting semaphores order processes but do not exclude them. A semaphore
// that starts at 1 is a mutex; one that starts at 0 (items) or at N > 1
// (free slots) lets several processes through at once. With one producer
// and one consumer the ring needs no mutex; with several producers the
// head index races unless a mutex guards it. Initial values come from
// sem_init and semctl(SETVAL/SETALL), also through P()/V() wrappers.
#include <semaphore.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/wait.h>
#include <unistd.h>

#define SLOTS 8

struct ring {
  sem_t free_slots; // starts at SLOTS
  sem_t items;      // starts at 0
  sem_t mutex;      // starts at 1
  int data[SLOTS];
  unsigned head, tail;
};

union semun {
  int val;
  unsigned short *array;
};

static int set; // System V: 0 free slots, 1 items, 2 mutex

static void sem_change(int num, int delta) {
  struct sembuf op = {(unsigned short)num, (short)delta, 0};
  semop(set, &op, 1);
}

// One producer, one consumer: each index is touched by one process only.
static void produce_one(struct ring *r, int v) {
  sem_wait(&r->free_slots);
  r->data[r->head] = v;
  r->head = (r->head + 1) % SLOTS;
  sem_post(&r->items);
}

static int consume_one(struct ring *r) {
  sem_wait(&r->items);
  int v = r->data[r->tail];
  r->tail = (r->tail + 1) % SLOTS;
  sem_post(&r->free_slots);
  // The producer moves head on without waiting for this reader: a race.
  unsigned backlog = r->head - r->tail;
  // CHECK-MESSAGES: :[[@LINE-1]]:22: warning: read of shared memory 'r->head' without holding a lock [shm-unguarded-access]
  return backlog > SLOTS ? -1 : v;
}

// Several producers without the mutex: they share head.
static void produce_unlocked(struct ring *r, int v) {
  sem_change(0, -1);
  r->data[r->head] = v;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: write to shared memory 'r->data[r->head]' without holding a lock [shm-unguarded-access]
  r->head = (r->head + 1) % SLOTS;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: write to shared memory 'r->head' without holding a lock [shm-unguarded-access]
  sem_change(1, +1);
}

// The guarded twin: the System V mutex semaphore around the index.
static void produce_locked(struct ring *r, int v) {
  sem_change(0, -1);
  sem_change(2, -1);
  r->data[r->head] = v;
  r->head = (r->head + 1) % SLOTS;
  sem_change(2, +1);
  sem_change(1, +1);
}

int main(void) {
  struct ring *r = mmap(NULL, sizeof *r, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (r == MAP_FAILED)
    return 1;
  sem_init(&r->free_slots, 1, SLOTS);
  sem_init(&r->items, 1, 0);
  sem_init(&r->mutex, 1, 1);
  set = semget(IPC_PRIVATE, 3, IPC_CREAT | 0600);
  unsigned short initial[3] = {SLOTS, 0, 1};
  union semun arg;
  arg.array = initial;
  semctl(set, 0, SETALL, arg);

  if (fork() == 0) {
    for (int i = 0; i < 100; ++i)
      produce_one(r, i);
    _exit(0);
  }
  long sum = 0;
  for (int i = 0; i < 100; ++i)
    sum += consume_one(r);
  wait(NULL);

  for (int p = 0; p < 3; ++p) {
    if (fork() == 0) {
      for (int i = 0; i < 10; ++i) {
        produce_unlocked(r, i);
        produce_locked(r, i);
      }
      _exit(0);
    }
  }
  while (wait(NULL) > 0)
    ;
  semctl(set, 0, IPC_RMID);
  return (int)(sum & 1);
}
