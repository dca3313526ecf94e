/* Three pages of one segment, for the trap budget: a spinlock hammered by
 * two processes (its page is hot), a counter the spinlock guards, updated
 * every 10 ms (its page is cold), and a scratch area where each process
 * keeps hammering its own words (hot, and no race). With a budget the
 * scratch page is sampled, but the spinlock's page must not be: its atomics
 * are what orders the two processes' updates of the counter, and sampled
 * away, their edges would be lost and the updates reported as a race. No
 * report, with or without a budget.
 *
 * Usage: spinlock_pages [MILLISECONDS] */
#include <sched.h>
#include <stdatomic.h>
#include <time.h>

#include "../../e2e/programs/e2e_util.h"

#define SEGMENT (1 << 20) /* > 256 KiB: protected page by page */
#define COUNTER_OFFSET (512 * 1024)
#define SCRATCH_OFFSET (768 * 1024)

struct counter_page { /* at COUNTER_OFFSET */
  long counter;
  long updates[2]; /* by each worker */
};

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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

static void work(char *seg, int worker, long milliseconds) {
  atomic_int *lock = (atomic_int *)seg;
  struct counter_page *c = (struct counter_page *)(seg + COUNTER_OFFSET);
  long *scratch = (long *)(seg + SCRATCH_OFFSET) + worker * 64;
  long start = now_ms(), last = start;
  for (long i = 0;; ++i) {
    take(lock);
    long now = now_ms();
    if (now - last >= 10) {
      c->counter++; /* ordered by the spinlock */
      c->updates[worker]++;
      last = now;
    }
    drop(lock);
    scratch[i % 64]++; /* this worker's own words */
    if (now - start >= milliseconds)
      break;
  }
}

int main(int argc, char **argv) {
  long milliseconds = arg_long(argc, argv, 1, 600);
  char *seg = new_segment(SEGMENT, NULL);
  pid_t child = fork_or_die();
  work(seg, child == 0, milliseconds);
  if (child == 0) {
    shmdt(seg);
    _exit(0);
  }
  int status = wait_child(child);
  struct counter_page *c = (struct counter_page *)(seg + COUNTER_OFFSET);
  printf("counter consistent: %s, child %d\n",
         c->counter == c->updates[0] + c->updates[1] ? "yes" : "no", status);
  shmdt(seg);
  return 0;
}
