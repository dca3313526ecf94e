/* One process stores to a location atomically (relaxed), the other reads it
 * with a plain load, and nothing orders the two: a data race, reported with
 * both lines.
 *
 * Usage: relaxed_vs_plain */
#include <stdatomic.h>

#include "../../e2e/programs/e2e_util.h"

struct shared { /* lives in the segment */
  atomic_long value;
};

int main(void) {
  struct shared *s = new_segment(sizeof *s, NULL);
  pid_t child = fork_or_die();
  if (child == 0) {
    long *plain = (long *)&s->value;
    long seen = *plain; /* plain read, unordered with the store */
    shmdt(s);
    _exit(seen == 0 || seen == 7 ? 0 : 1);
  }
  atomic_store_explicit(&s->value, 7, memory_order_relaxed); /* atomic store */
  printf("child %d\n", wait_child(child));
  shmdt(s);
  return 0;
}
