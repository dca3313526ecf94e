// RUN: %shm_tidy --checks=-*,shm-unguarded-access %s -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CHECK-MESSAGES -implicit-check-not='{{warning|error}}:'
//
// The parent is alone again only after it has reaped every child: waitpid
// for one of two children leaves the other running; one wait() for two
// children forked in a loop reaps one of them, a second one both.
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

struct results {
  long first;
  long second;
  long looped;
};

static void by_pid(struct results *r) {
  pid_t a = fork();
  if (a == 0) {
    r->first = 1;
    _exit(0);
  }
  pid_t b = fork();
  if (b == 0) {
    for (int i = 0; i < 10; ++i)
      r->second = i;
      // CHECK-MESSAGES: :[[@LINE-1]]:7: warning: write to shared memory 'r->second' without holding a lock [shm-unguarded-access]
    _exit(0);
  }
  waitpid(a, NULL, 0);
  printf("%ld\n", r->first);
  printf("%ld\n", r->second);
  // CHECK-MESSAGES: :[[@LINE-1]]:19: warning: read of shared memory 'r->second' without holding a lock [shm-unguarded-access]
  waitpid(b, NULL, 0);
  printf("%ld\n", r->second);
}

static void by_count(struct results *r) {
  for (int i = 0; i < 2; ++i)
    if (fork() == 0) {
      r->looped = i;
      // CHECK-MESSAGES: :[[@LINE-1]]:7: warning: write to shared memory 'r->looped' without holding a lock [shm-unguarded-access]
      _exit(0);
    }
  wait(NULL);
  printf("%ld\n", r->looped);
  // CHECK-MESSAGES: :[[@LINE-1]]:19: warning: read of shared memory 'r->looped' without holding a lock [shm-unguarded-access]
  wait(NULL);
  printf("%ld\n", r->looped);
}

static void two_sites(struct results *r) {
  if (fork() == 0) {
    r->first = 2;
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: write to shared memory 'r->first' without holding a lock [shm-unguarded-access]
    _exit(0);
  }
  if (fork() == 0) {
    r->second = 2;
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: write to shared memory 'r->second' without holding a lock [shm-unguarded-access]
    _exit(0);
  }
  wait(NULL);
  printf("%ld\n", r->first + r->second);
  // CHECK-MESSAGES: :[[@LINE-1]]:19: warning: read of shared memory 'r->first' without holding a lock [shm-unguarded-access]
  // CHECK-MESSAGES: :[[@LINE-2]]:30: warning: read of shared memory 'r->second' without holding a lock [shm-unguarded-access]
  wait(NULL);
  printf("%ld\n", r->first + r->second);
}

int main(void) {
  struct results *r = mmap(NULL, sizeof *r, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  by_pid(r);
  by_count(r);
  two_sites(r);
  return 0;
}
