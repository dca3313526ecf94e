// RUN: %shm_tidy --checks=-*,shm-unguarded-access %s -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CHECK-MESSAGES -implicit-check-not='{{warning|error}}:'
//
// Slot ownership: an element per process is exclusive only when the index
// differs between processes. The fork loop's counter, a rank passed as an
// argument, `base + k` are one-to-one; `k / 2` and `getpid() % N` send two
// processes to the same element.
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define WORKERS 8

struct table {
  long half[WORKERS];
  long hashed[4];
  long own[WORKERS];
  long ranked[WORKERS];
  long paired[WORKERS];
  long shifted[2 * WORKERS];
};

static void worker(struct table *t, int k) {
  int pair = k / 2;
  t->half[pair] = k;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: write to shared memory 't->half[pair]' without holding a lock [shm-unguarded-access]
  t->hashed[getpid() % 4] = k;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: write to shared memory 't->hashed[getpid() % 4]' without holding a lock [shm-unguarded-access]
  t->own[k] = k;
  int slot = WORKERS + k;
  t->shifted[slot] = k;
}

static void ranked(struct table *t, int rank) { t->ranked[rank] = rank; }

static void paired(struct table *t, int pair) { t->paired[pair] = pair; }
// CHECK-MESSAGES: :[[@LINE-1]]:49: warning: write to shared memory 't->paired[pair]' without holding a lock [shm-unguarded-access]

int main(void) {
  struct table *t = mmap(NULL, sizeof *t, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  for (int k = 0; k < WORKERS; ++k)
    if (fork() == 0) {
      worker(t, k);
      ranked(t, k);
      paired(t, k >> 1);
      _exit(0);
    }
  while (wait(NULL) > 0)
    ;
  printf("%ld %ld\n", t->half[0], t->own[0]);
  return 0;
}
