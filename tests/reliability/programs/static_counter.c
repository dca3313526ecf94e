/* The seed race, built twice: linked dynamically (checked under the
 * runtime) and with -static (no dynamic loader, so LD_PRELOAD cannot reach
 * it: it runs unchecked, and the launcher says so before running it).
 *
 * Usage: static_counter [N] */
#include "e2e_util.h"

struct shared {
  long count;
};

int main(int argc, char **argv) {
  long n = arg_long(argc, argv, 1, 1000);
  struct shared *seg = new_segment(sizeof *seg, NULL);
  fflush(stdout);
  pid_t child = fork_or_die();
  for (long i = 0; i < n; ++i)
    seg->count++; /* unordered between the two processes */
  if (child == 0)
    _exit(0);
  int status = wait_child(child);
  printf("child %d, count at most %ld: %s\n", status, 2 * n,
         seg->count <= 2 * n ? "yes" : "no");
  shmdt(seg);
  return 0;
}
