/* Two processes synchronize through C11 atomics in a segment only: a relaxed
 * event counter, a spinlock (compare-exchange to take it, exchange to drop
 * it) guarding a plain counter, and a flag raised with a read-modify-write
 * that publishes a plain payload. Every conflicting access is ordered or
 * atomic: no report, in instrumented mode and in trap mode alike (the
 * releases are locked instructions, which page traps see as atomics too).
 *
 * Usage: atomic_handoff [N]   (default 1000) */
#include <sched.h>
#include <stdatomic.h>

#include "../../e2e/programs/e2e_util.h"

struct shared { /* lives in the segment */
  atomic_long events;
  atomic_int lock;
  long guarded;
  atomic_int ready;
  long payload;
};

static void take(atomic_int *lock) {
  int expected = 0;
  while (!atomic_compare_exchange_weak_explicit(lock, &expected, 1, memory_order_acquire,
                                                memory_order_relaxed)) {
    expected = 0;
    sched_yield();
  }
}

static void drop(atomic_int *lock) {
  atomic_exchange_explicit(lock, 0, memory_order_release);
}

static void work(struct shared *s, long n) {
  for (long i = 0; i < n; ++i) {
    atomic_fetch_add_explicit(&s->events, 1, memory_order_relaxed);
    take(&s->lock);
    s->guarded++; /* ordered by the spinlock */
    drop(&s->lock);
  }
}

int main(int argc, char **argv) {
  long n = arg_long(argc, argv, 1, 1000);
  struct shared *s = new_segment(sizeof *s, NULL);
  pid_t child = fork_or_die();
  if (child == 0) {
    work(s, n);
    while (atomic_load_explicit(&s->ready, memory_order_acquire) == 0)
      sched_yield();
    long seen = s->payload; /* ordered after the parent's write by `ready` */
    shmdt(s);
    _exit(seen == 42 ? 0 : 1);
  }
  s->payload = 42;
  atomic_fetch_add_explicit(&s->ready, 1, memory_order_release);
  work(s, n);
  int status = wait_child(child);
  printf("events %ld, guarded %ld, expected %ld, child %d\n",
         atomic_load(&s->events), s->guarded, 2 * n, status);
  shmdt(s);
  return 0;
}
