/* The parent writes the segment after fork while the child reads it:
 * nothing orders the two accesses. Race. */
#include "e2e_util.h"

struct shared {
  int value;
};

int main(void) {
  struct shared *seg = new_segment(sizeof *seg, NULL);
  seg->value = 1; /* before fork: ordered before the child */
  pid_t child = fork_or_die();
  if (child == 0) {
    int seen = seg->value; /* racy read */
    shmdt(seg);
    _exit(seen == 1 || seen == 2 ? 0 : 1);
  }
  seg->value = 2; /* racy write */
  wait_child(child);
  printf("value %d\n", seg->value);
  shmdt(seg);
  return 0;
}
