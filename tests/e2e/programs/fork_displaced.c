/* Parent and child, right after fork, run different read-modify-write
 * instructions on disjoint words at the same time. The runtime carries such
 * instructions out from a per-thread code buffer; the child must get its own
 * buffer, not share the parent's (a shared one would make each process run
 * the other's instruction now and then). Counts must be exact, no report. */
#include "e2e_util.h"

int main(int argc, char **argv) {
  long n = arg_long(argc, argv, 1, 5000);
  long *seg = new_segment(4096, NULL);
  __asm__ volatile("addq $1, (%0)" : : "r"(seg) : "memory", "cc");
  pid_t child = fork_or_die();
  for (long i = 0; i < n; ++i) {
    if (child == 0)
      __asm__ volatile("addq $1, 8(%0)" : : "r"(seg) : "memory", "cc");
    else
      __asm__ volatile("subq $1, 16(%0)" : : "r"(seg) : "memory", "cc");
  }
  if (child == 0) {
    shmdt(seg);
    _exit(0);
  }
  wait_child(child);
  printf("%ld %ld %ld\n", seg[0], seg[1], seg[2]);
  shmdt(seg);
  return 0;
}
