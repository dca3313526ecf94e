// RUN: %shm_tidy --checks=-*,shm-unguarded-access %s -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CHECK-MESSAGES -implicit-check-not='{{warning|error}}:'
//
// Which processes run which code. An access races only with an access of
// another process that may run at the same time, one of them a write:
//   - before fork() the segment is private to the process (initialisation);
//   - after wait()/waitpid() for the children the parent is alone again;
//   - a child's branch runs in that child only (`if (fork() == 0)`,
//     `switch (fork())`), several children when it forks in a loop;
//   - memory nobody writes after fork (sizes, names) is safe to read;
//   - each worker writing its own slot `value[id]` does not race itself;
//   - a write published by sem_post() to a process that waits for it is
//     ordered (hand-off), as is a read right after waiting for the event.
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define WORKERS 4

struct job {
  int size;                // written before fork only
  char name[16];           // written before fork only
  long value[WORKERS];     // one slot per worker
  long hits;               // every worker
  long result;             // the child's answer, read after waitpid
  long answer;             // handed over with the `ready` semaphore
  sem_t ready;
  long progress;           // the parent polls what the child writes
};

static long square(long v) { return v * v; }

static void init(struct job *j) {
  j->size = WORKERS;
  snprintf(j->name, sizeof j->name, "job");
  j->hits = 0;
}

static void worker(struct job *j, int id) {
  for (int i = 0; i < j->size; ++i)
    j->value[id] += square(i);
  j->hits++;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: read-modify-write of shared memory 'j->hits' without holding a lock [shm-unguarded-access]
  printf("%s %d\n", j->name, id);
}

static pid_t spawn_worker(struct job *j, int id) {
  pid_t pid = fork();
  if (pid == 0) {
    worker(j, id);
    _exit(0);
  }
  return pid;
}

int main(void) {
  struct job *j = mmap(NULL, sizeof *j, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (j == MAP_FAILED)
    return 1;
  init(j);
  sem_init(&j->ready, 1, 0);

  // One child computes, the parent reads the result after waitpid().
  pid_t one = fork();
  if (one == 0) {
    j->result = square(7);
    j->answer = 42;
    sem_post(&j->ready);
    for (int i = 0; i < 100; ++i)
      j->progress = i;
    // CHECK-MESSAGES: :[[@LINE-1]]:7: warning: write to shared memory 'j->progress' without holding a lock [shm-unguarded-access]
    _exit(0);
  }
  if (one == -1)
    return 1;
  sem_wait(&j->ready);
  printf("answer %ld\n", j->answer);
  while (j->progress < 50)
    // CHECK-MESSAGES: :[[@LINE-1]]:10: warning: read of shared memory 'j->progress' without holding a lock [shm-unguarded-access]
    usleep(10);
  waitpid(one, NULL, 0);
  printf("result %ld\n", j->result);

  // Workers forked in a loop, each through a helper.
  pid_t pids[WORKERS];
  for (int id = 0; id < WORKERS; ++id)
    pids[id] = spawn_worker(j, id);
  for (int id = 0; id < WORKERS; ++id)
    waitpid(pids[id], NULL, 0);

  // The same with switch (fork()).
  switch (fork()) {
  case -1:
    return 1;
  case 0:
    j->result = 0;
    _exit(0);
  default:
    break;
  }
  while (wait(NULL) > 0)
    ;
  long total = 0;
  for (int id = 0; id < WORKERS; ++id)
    total += j->value[id];
  printf("%ld %ld %ld\n", total, j->hits, j->result);
  munmap(j, sizeof *j);
  return 0;
}
