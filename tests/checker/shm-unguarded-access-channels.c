// RUN: %shm_tidy --checks=-*,shm-unguarded-access %s -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CHECK-MESSAGES -implicit-check-not='{{warning|error}}:'
//
// Message passing orders processes like an event: what a child writes
// before writing to a pipe (or sending on a System V message queue, or
// before a process-shared barrier) happens before what the parent reads
// after reading the pipe (receiving, passing the barrier). A write after
// the message is not ordered.
#include <pthread.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/wait.h>
#include <unistd.h>

struct results {
  pthread_barrier_t phase;
  long piped;
  long queued;
  long late;
  long slots[2];
  long sums[2];
};

struct note {
  long mtype;
  char text[8];
};

int main(void) {
  struct results *r = mmap(NULL, sizeof *r, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (r == MAP_FAILED)
    return 1;
  pthread_barrierattr_t attr;
  pthread_barrierattr_init(&attr);
  pthread_barrierattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  pthread_barrier_init(&r->phase, &attr, 2);
  int fds[2];
  if (pipe(fds) != 0)
    return 1;
  int queue = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
  struct note n = {1, "done"};

  pid_t child = fork();
  if (child == 0) {
    r->piped = 42;
    write(fds[1], "x", 1);
    r->queued = 7;
    msgsnd(queue, &n, sizeof n.text, 0);
    r->slots[1] = 1;
    pthread_barrier_wait(&r->phase);
    r->sums[1] = r->slots[0] + r->slots[1];
    r->late = 1;
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: write to shared memory 'r->late' without holding a lock [shm-unguarded-access]
    _exit(0);
  }
  char c;
  read(fds[0], &c, 1);
  printf("%ld\n", r->piped);
  msgrcv(queue, &n, sizeof n.text, 0, 0);
  printf("%ld\n", r->queued);
  r->slots[0] = 2;
  pthread_barrier_wait(&r->phase);
  r->sums[0] = r->slots[0] + r->slots[1];
  printf("%ld\n", r->late);
  // CHECK-MESSAGES: :[[@LINE-1]]:19: warning: read of shared memory 'r->late' without holding a lock [shm-unguarded-access]
  waitpid(child, NULL, 0);
  msgctl(queue, IPC_RMID, NULL);
  return 0;
}
