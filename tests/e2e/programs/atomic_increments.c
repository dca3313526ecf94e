/* Both processes increment one counter with atomic read-modify-writes
 * (lock-prefixed instructions): atomics do not race with each other, and the
 * count is exact. */
#include "e2e_util.h"

struct shared {
  long count;
};

int main(int argc, char **argv) {
  long n = arg_long(argc, argv, 1, 2000);
  struct shared *seg = new_segment(sizeof *seg, NULL);
  pid_t child = fork_or_die();
  for (long i = 0; i < n; ++i)
    __atomic_fetch_add(&seg->count, 1, __ATOMIC_SEQ_CST);
  if (child == 0) {
    shmdt(seg);
    _exit(0);
  }
  wait_child(child);
  printf("expected %ld, actual %ld\n", 2 * n,
         __atomic_load_n(&seg->count, __ATOMIC_SEQ_CST));
  shmdt(seg);
  return 0;
}
