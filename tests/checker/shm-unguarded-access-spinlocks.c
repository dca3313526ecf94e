// RUN: %shm_tidy --checks=-*,shm-unguarded-access %s -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CHECK-MESSAGES -implicit-check-not='{{warning|error}}:'
//
// Spinlocks built on an atomic word in the segment are locks: taken by a
// successful test-and-set, exchange or compare-and-swap (the spin loop exits
// on success), given back by storing 0 -- C11 atomic_flag, __sync and
// __atomic builtins, and the program's own lock()/unlock() around them.
#include <sched.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

struct table {
  atomic_flag flag;
  int word;
  _Atomic int cas;
  long a, b, c, d;
};

static void spin_lock(int *word) {
  while (__sync_lock_test_and_set(word, 1))
    sched_yield();
}
static void spin_unlock(int *word) { __sync_lock_release(word); }

static void update(struct table *t) {
  while (atomic_flag_test_and_set_explicit(&t->flag, memory_order_acquire))
    ;
  t->a++;
  atomic_flag_clear_explicit(&t->flag, memory_order_release);

  spin_lock(&t->word);
  t->b++;
  spin_unlock(&t->word);

  int expected = 0;
  while (!atomic_compare_exchange_weak(&t->cas, &expected, 1))
    expected = 0;
  t->c++;
  atomic_store(&t->cas, 0);

  if (__sync_bool_compare_and_swap(&t->word, 0, 1)) {
    t->d++;
    __sync_lock_release(&t->word);
  }
  t->d--;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: read-modify-write of shared memory 't->d' without holding a lock [shm-unguarded-access]
  t->a = 0;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: write to shared memory 't->a' without holding a lock [shm-unguarded-access]
}

int main(void) {
  struct table *t = mmap(NULL, sizeof *t, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (t == MAP_FAILED)
    return 1;
  atomic_flag_clear(&t->flag);
  pid_t child = fork();
  update(t);
  if (child == 0)
    _exit(0);
  waitpid(child, NULL, 0);
  return 0;
}
