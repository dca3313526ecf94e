// RUN: %shm_tidy --checks=-*,shm-unguarded-access %s -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CHECK-MESSAGES -implicit-check-not='{{warning|error}}:'
//
// A realistic producer/consumer pair: a bounded ring of records in a POSIX
// shared memory object, `slots`/`items` counting semaphores and a `mutex`
// semaphore, all process-shared in the segment. The transfer itself is
// correct; the statistics and the shutdown flag are not.
#include <fcntl.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define RING_SLOTS 16
#define RING_NAME "/shmcheck-ring-fixture"

struct record {
  int seq;
  char payload[60];
};

struct ring {
  sem_t slots;   // free slots
  sem_t items;   // filled slots
  sem_t mutex;   // guards head/tail and the records
  unsigned head;
  unsigned tail;
  struct record records[RING_SLOTS];
  long produced; // statistics, updated without the mutex
  long consumed;
  int done;      // shutdown flag, polled without synchronisation
};

static struct ring *ring_create(void) {
  int fd = shm_open(RING_NAME, O_CREAT | O_EXCL | O_RDWR, 0600);
  if (fd < 0)
    return NULL;
  if (ftruncate(fd, sizeof(struct ring)) != 0) {
    close(fd);
    shm_unlink(RING_NAME);
    return NULL;
  }
  struct ring *r = mmap(NULL, sizeof *r, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (r == MAP_FAILED) {
    shm_unlink(RING_NAME);
    return NULL;
  }
  memset(r, 0, sizeof *r);
  sem_init(&r->slots, 1, RING_SLOTS);
  sem_init(&r->items, 1, 0);
  sem_init(&r->mutex, 1, 1);
  return r;
}

static void ring_put(struct ring *r, const struct record *rec) {
  sem_wait(&r->slots);
  sem_wait(&r->mutex);
  r->records[r->head] = *rec;
  r->head = (r->head + 1) % RING_SLOTS;
  sem_post(&r->mutex);
  sem_post(&r->items);
}

static int ring_get(struct ring *r, struct record *out) {
  sem_wait(&r->items);
  sem_wait(&r->mutex);
  *out = r->records[r->tail];
  r->tail = (r->tail + 1) % RING_SLOTS;
  sem_post(&r->mutex);
  sem_post(&r->slots);
  return out->seq;
}

static void producer(struct ring *r, int count) {
  struct record rec;
  for (int i = 0; i < count; ++i) {
    rec.seq = i;
    snprintf(rec.payload, sizeof rec.payload, "record %d", i);
    ring_put(r, &rec);
    r->produced++;
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: read-modify-write of shared memory 'r->produced' without holding a lock [shm-unguarded-access]
  }
  r->done = 1;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: write to shared memory 'r->done' without holding a lock [shm-unguarded-access]
}

static long consumer(struct ring *r) {
  struct record rec;
  long sum = 0;
  while (!r->done || r->produced > r->consumed) {
    // CHECK-MESSAGES: :[[@LINE-1]]:11: warning: read of shared memory 'r->done' without holding a lock [shm-unguarded-access]
    // CHECK-MESSAGES: :[[@LINE-2]]:22: warning: read of shared memory 'r->produced' without holding a lock [shm-unguarded-access]
    sum += ring_get(r, &rec);
    r->consumed++;
  }
  return sum;
}

int main(int argc, char **argv) {
  int count = argc > 1 ? atoi(argv[1]) : 1000;
  struct ring *r = ring_create();
  if (!r)
    return 1;
  pid_t pid = fork();
  if (pid < 0) {
    shm_unlink(RING_NAME);
    return 1;
  }
  if (pid == 0) {
    producer(r, count);
    _exit(0);
  }
  long sum = consumer(r);
  waitpid(pid, NULL, 0);
  printf("sum %ld, produced %ld, consumed %ld\n", sum, r->produced, r->consumed);
  sem_destroy(&r->slots);
  sem_destroy(&r->items);
  sem_destroy(&r->mutex);
  munmap(r, sizeof *r);
  shm_unlink(RING_NAME);
  return 0;
}
