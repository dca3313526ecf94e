// RUN: %shm_tidy --checks=-*,shm-unguarded-access %s -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CHECK-MESSAGES -implicit-check-not='{{warning|error}}:'
//
// A program that never forks shares its segment with other programs (here
// the same binary started as writer or reader): the other side's accesses
// are invisible, so every access made without a lock is reported, reads
// included, from the moment the segment is attached. Accesses under the
// System V semaphore set are fine.
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>

struct board {
  int turn;
  int length;
  char text[256];
};

static int lock_set(int set, short op) {
  struct sembuf b = {0, op, SEM_UNDO};
  return semop(set, &b, 1);
}

static void writer(struct board *b, int set, const char *message) {
  strncpy(b->text, message, sizeof b->text - 1);
  // CHECK-MESSAGES: :[[@LINE-1]]:11: warning: write to shared memory 'b->text' without holding a lock [shm-unguarded-access]
  b->turn = 1;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: write to shared memory 'b->turn' without holding a lock [shm-unguarded-access]
  if (lock_set(set, -1) == 0) {
    b->length = (int)strlen(message);
    lock_set(set, 1);
  }
}

static void reader(struct board *b, int set) {
  while (b->turn == 0)
    // CHECK-MESSAGES: :[[@LINE-1]]:10: warning: read of shared memory 'b->turn' without holding a lock [shm-unguarded-access]
    ;
  printf("%s\n", b->text);
  // CHECK-MESSAGES: :[[@LINE-1]]:18: warning: read of shared memory 'b->text' without holding a lock [shm-unguarded-access]
  lock_set(set, -1);
  printf("%d\n", b->length);
  lock_set(set, 1);
}

int main(int argc, char **argv) {
  key_t key = ftok("/tmp", 'B');
  int id = shmget(key, sizeof(struct board), IPC_CREAT | 0600);
  int set = semget(key, 1, IPC_CREAT | 0600);
  if (id == -1 || set == -1)
    return 1;
  struct board *b = shmat(id, NULL, argc > 1 ? 0 : SHM_RDONLY);
  if (b == (void *)-1)
    return 1;
  if (argc > 1)
    writer(b, set, argv[1]);
  else
    reader(b, set);
  shmdt(b);
  return 0;
}
