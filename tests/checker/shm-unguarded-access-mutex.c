// RUN: %shm_tidy --checks=-*,shm-unguarded-access %s -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CHECK-MESSAGES -implicit-check-not='{{warning|error}}:'
// RUN: %shm_tidy --checks=-*,shm-unguarded-access %s -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CHECK-NOTES
//
// Process-shared pthread locks in the segment: mutex (lock, timedlock,
// trylock on its success branch only), rwlock (a write needs the write
// lock), spinlock, condition waits; locks taken on some paths only, locks
// released early, loops.
#include <errno.h>
#include <pthread.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct account {
  pthread_mutex_t m;
  pthread_rwlock_t rw;
  pthread_spinlock_t spin;
  pthread_cond_t changed;
  long balance;
  long pending;
  long audits;
};

static void deposit(struct account *a, long amount) {
  pthread_mutex_lock(&a->m);
  a->balance += amount;
  pthread_mutex_unlock(&a->m);
  a->pending -= amount;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: read-modify-write of shared memory 'a->pending' without holding a lock [shm-unguarded-access]
}

static int deposit_before(struct account *a, long amount, const struct timespec *deadline) {
  if (pthread_mutex_timedlock(&a->m, deadline) != 0)
    return -1;
  a->balance += amount;
  pthread_mutex_unlock(&a->m);
  return 0;
}

static void try_deposit(struct account *a, long amount) {
  if (pthread_mutex_trylock(&a->m) == 0) {
    a->balance += amount;
    pthread_mutex_unlock(&a->m);
  } else {
    a->pending += amount;
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: read-modify-write of shared memory 'a->pending' without holding a lock [shm-unguarded-access]
  }
  int rc = pthread_mutex_trylock(&a->m);
  if (rc != 0)
    return;
  a->balance += amount;
  pthread_mutex_unlock(&a->m);
  while (pthread_mutex_trylock(&a->m) == EBUSY)
    ;
  a->audits++;
  pthread_mutex_unlock(&a->m);
  if (!pthread_mutex_trylock(&a->m)) {
    a->audits++;
    pthread_mutex_unlock(&a->m);
  }
}

static void sometimes_locked(struct account *a, int careful) {
  if (careful)
    pthread_mutex_lock(&a->m);
  a->balance = 0;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: write to shared memory 'a->balance' without holding a lock [shm-unguarded-access]
  // CHECK-NOTES: :[[@LINE-2]]:3: warning: write to shared memory 'a->balance'
  // CHECK-NOTES: :[[@LINE-5]]:7: note: 'a->m' is not held on the path through here
  if (careful)
    pthread_mutex_unlock(&a->m);
}

static void released_in_a_branch(struct account *a, int early) {
  pthread_mutex_lock(&a->m);
  if (early)
    pthread_mutex_unlock(&a->m);
  a->audits++;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: read-modify-write of shared memory 'a->audits' without holding a lock [shm-unguarded-access]
  // CHECK-NOTES: :[[@LINE-2]]:3: warning: read-modify-write of shared memory 'a->audits'
  // CHECK-NOTES: :[[@LINE-4]]:5: note: 'a->m' is released here
  if (!early)
    pthread_mutex_unlock(&a->m);
}

static void loop(struct account *a, int n) {
  for (int i = 0; i < n; ++i) {
    pthread_mutex_lock(&a->m);
    a->balance++;
    pthread_mutex_unlock(&a->m);
    a->audits++;
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: read-modify-write of shared memory 'a->audits' without holding a lock [shm-unguarded-access]
  }
  pthread_mutex_lock(&a->m);
  for (int i = 0; i < n; ++i)
    a->balance--;
  pthread_mutex_unlock(&a->m);
}

static long report(struct account *a) {
  pthread_rwlock_rdlock(&a->rw);
  long seen = a->balance;
  a->audits = seen;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: write to shared memory 'a->audits' without holding a lock [shm-unguarded-access]
  // CHECK-NOTES: :[[@LINE-2]]:3: warning: write to shared memory 'a->audits'
  // CHECK-NOTES: :[[@LINE-5]]:3: note: 'a->rw' is held for reading only
  pthread_rwlock_unlock(&a->rw);
  pthread_rwlock_wrlock(&a->rw);
  a->audits = seen;
  pthread_rwlock_unlock(&a->rw);
  if (pthread_rwlock_tryrdlock(&a->rw) == 0) {
    seen = a->pending;
    pthread_rwlock_unlock(&a->rw);
  }
  return seen;
}

static void spin(struct account *a) {
  pthread_spin_lock(&a->spin);
  a->pending = 0;
  pthread_spin_unlock(&a->spin);
  if (pthread_spin_trylock(&a->spin) == 0) {
    a->pending = 1;
    pthread_spin_unlock(&a->spin);
  }
}

static void wait_for_money(struct account *a, long amount) {
  pthread_mutex_lock(&a->m);
  while (a->balance < amount)
    pthread_cond_wait(&a->changed, &a->m);
  a->balance -= amount;
  pthread_mutex_unlock(&a->m);
}

int main(void) {
  int id = shmget(IPC_PRIVATE, sizeof(struct account), IPC_CREAT | 0600);
  struct account *a = shmat(id, NULL, 0);
  shmctl(id, IPC_RMID, NULL);
  if (a == (void *)-1)
    return 1;
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  pthread_mutex_init(&a->m, &attr);
  a->balance = 100; // before fork: nobody else sees the segment yet
  pid_t child = fork();
  struct timespec deadline = {0, 0};
  deposit(a, 1);
  deposit_before(a, 1, &deadline);
  try_deposit(a, 1);
  sometimes_locked(a, child != 0);
  released_in_a_branch(a, child == 0);
  loop(a, 10);
  report(a);
  spin(a);
  wait_for_money(a, 1);
  if (child == 0)
    _exit(0);
  waitpid(child, NULL, 0);
  long final = a->balance; // the child is gone
  shmdt(a);
  return final > 0 ? 0 : 1;
}
