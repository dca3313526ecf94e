// RUN: %shm_tidy --checks=-*,shm-unguarded-access %s -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CHECK-MESSAGES -implicit-check-not='{{warning|error}}:'
//
// Lockset consistency: the locks held at every access of one place,
// intersected. The same field written under 'a' in one function and under
// 'b' in another is a race, even though each access holds a lock; the same
// lock reached under two spellings (s->a, acct->a) is one lock.
#include <pthread.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

struct acct {
  pthread_mutex_t a;
  pthread_mutex_t b;
  long total;
  long safe;
  long both;
};

static void deposit(struct acct *s) {
  pthread_mutex_lock(&s->a);
  s->total += 1;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: read-modify-write of shared memory 's->total' holding 's->a', which another access to it does not hold [shm-unguarded-access]
  // CHECK-MESSAGES: :33:3: note: 'acct->total' is accessed here holding 'acct->b' instead
  s->safe += 1;
  pthread_mutex_unlock(&s->a);
}

static void withdraw(struct acct *acct) {
  pthread_mutex_lock(&acct->b);
  acct->total -= 1;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: read-modify-write of shared memory 'acct->total' holding 'acct->b', which another access to it does not hold [shm-unguarded-access]
  // CHECK-MESSAGES: :24:3: note: 's->total' is accessed here holding 's->a' instead
  pthread_mutex_unlock(&acct->b);
  pthread_mutex_lock(&acct->a);
  acct->safe -= 1;
  pthread_mutex_lock(&acct->b);
  acct->both = acct->safe;
  pthread_mutex_unlock(&acct->b);
  pthread_mutex_unlock(&acct->a);
}

static void audit(struct acct *s) {
  pthread_mutex_lock(&s->a);
  printf("%ld\n", s->both);
  pthread_mutex_unlock(&s->a);
}

int main(void) {
  struct acct *s = mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  pthread_mutex_init(&s->a, &attr);
  pthread_mutex_init(&s->b, &attr);
  if (fork() == 0) {
    deposit(s);
    audit(s);
    _exit(0);
  }
  withdraw(s);
  wait(NULL);
  printf("%ld %ld\n", s->total, s->safe);
  return 0;
}
