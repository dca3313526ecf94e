/* Hand-offs that only compiler instrumentation can see: a release store
 * read by an acquire load, and a relaxed flag between a release fence and
 * an acquire fence. On x86 all four are plain moves, so page traps see a
 * plain write and a plain read and report them; instrumented, every one is
 * known for what it is and nothing is reported.
 *
 * Usage: release_handoff */
#include <sched.h>
#include <stdatomic.h>

#include "../../e2e/programs/e2e_util.h"

struct shared { /* lives in the segment */
  long first;
  atomic_int first_ready;
  long second;
  atomic_int second_ready;
};

int main(void) {
  struct shared *s = new_segment(sizeof *s, NULL);
  pid_t child = fork_or_die();
  if (child == 0) {
    while (atomic_load_explicit(&s->first_ready, memory_order_acquire) == 0)
      sched_yield();
    long first = s->first; /* after the acquire load */
    while (atomic_load_explicit(&s->second_ready, memory_order_relaxed) == 0)
      sched_yield();
    atomic_thread_fence(memory_order_acquire);
    long second = s->second; /* after the acquire fence */
    shmdt(s);
    _exit(first == 1 && second == 2 ? 0 : 1);
  }
  s->first = 1;
  atomic_store_explicit(&s->first_ready, 1, memory_order_release);
  s->second = 2;
  atomic_thread_fence(memory_order_release);
  atomic_store_explicit(&s->second_ready, 1, memory_order_relaxed);
  printf("child %d\n", wait_child(child));
  shmdt(s);
  return 0;
}
