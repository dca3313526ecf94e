// RUN: %shm_tidy --checks=-*,shm-unguarded-access %s -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CHECK-MESSAGES -implicit-check-not='{{warning|error}}:'
//
// The seed pattern: a System V segment incremented by two processes.
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

struct counter {
  long count;
};

static void bump(struct counter *seg, long n) {
  for (long i = 0; i < n; ++i)
    seg->count++;
  // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: read-modify-write of shared memory 'seg->count' without holding a lock [shm-unguarded-access]
}

int main(void) {
  int id = shmget(IPC_PRIVATE, sizeof(struct counter), IPC_CREAT | 0600);
  struct counter *seg = shmat(id, 0, 0);
  shmctl(id, IPC_RMID, 0);
  seg->count = 0; // before fork: only this process can see the segment
  pid_t child = fork();
  bump(seg, 100);
  if (child == 0)
    _exit(0);
  waitpid(child, 0, 0);
  long total = seg->count; // after the child is gone
  shmdt(seg);
  return total == 200 ? 0 : 1;
}
