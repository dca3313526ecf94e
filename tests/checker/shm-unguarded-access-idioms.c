// RUN: %shm_tidy --checks=-*,shm-unguarded-access %s -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CHECK-MESSAGES -implicit-check-not='{{warning|error}}:'
//
// Correct idioms that hold no lock at the access, and their broken twins:
//   - readers-writers: the first reader (by a count kept under `mutex`)
//     takes `rw` for all readers, the last one gives it back; readers read
//     the data under it. Counting readers without `mutex` is a race.
//   - work split between processes: each worker writes its own rows
//     (`for (i = first; i < last; ++i)`); a shared progress counter races.
#include <semaphore.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define DIM 32
#define WORKERS 4

struct shared {
  sem_t mutex, rw;
  int readers;
  int value;
  double out[DIM][DIM];
  int rows_done;
};

static void reader(struct shared *s) {
  sem_wait(&s->mutex);
  s->readers++;
  if (s->readers == 1)
    sem_wait(&s->rw);
  sem_post(&s->mutex);
  printf("%d\n", s->value);
  sem_wait(&s->mutex);
  s->readers--;
  if (s->readers == 0)
    sem_post(&s->rw);
  sem_post(&s->mutex);
}

static void careless_reader(struct shared *s) {
  if (++s->readers == 1)
    // CHECK-MESSAGES: :[[@LINE-1]]:9: warning: read-modify-write of shared memory 's->readers' without holding a lock [shm-unguarded-access]
    sem_wait(&s->rw);
  printf("%d\n", s->value);
  if (--s->readers == 0)
    // CHECK-MESSAGES: :[[@LINE-1]]:9: warning: read-modify-write of shared memory 's->readers' without holding a lock [shm-unguarded-access]
    sem_post(&s->rw);
}

static void writer(struct shared *s, int v) {
  sem_wait(&s->rw);
  s->value = v;
  sem_post(&s->rw);
}

static void compute_rows(struct shared *s, int first, int last) {
  for (int i = first; i < last; ++i) {
    for (int j = 0; j < DIM; ++j)
      s->out[i][j] = i * j;
    s->rows_done++;
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: read-modify-write of shared memory 's->rows_done' without holding a lock [shm-unguarded-access]
  }
}

int main(void) {
  struct shared *s = mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (s == MAP_FAILED)
    return 1;
  sem_init(&s->mutex, 1, 1);
  sem_init(&s->rw, 1, 1);
  for (int r = 0; r < 3; ++r) {
    if (fork() == 0) {
      reader(s);
      careless_reader(s);
      _exit(0);
    }
  }
  if (fork() == 0) {
    writer(s, 7);
    _exit(0);
  }
  while (wait(NULL) > 0)
    ;
  int chunk = DIM / WORKERS;
  for (int w = 0; w < WORKERS; ++w) {
    if (fork() == 0) {
      compute_rows(s, w * chunk, (w + 1) * chunk);
      _exit(0);
    }
  }
  while (wait(NULL) > 0)
    ;
  printf("%f %d\n", s->out[3][3], s->rows_done);
  return 0;
}
