/* The child detaches the segment and attaches it again at a different
 * address before writing; the parent writes the same word through its own,
 * unchanged attachment. The race is found by offset in the segment, not by
 * address. */
#include "e2e_util.h"

struct shared {
  long pad;
  long value;
};

int main(void) {
  int shmid;
  struct shared *seg = new_segment(sizeof *seg, &shmid);
  pid_t child = fork_or_die();
  if (child == 0) {
    /* Attach a second time first, so the new address cannot be the old. */
    struct shared *again = shmat(shmid, NULL, 0);
    if (again == (void *)-1 || again == seg)
      _exit(3);
    shmdt(seg);
    again->value = 7; /* racy write, through the new address */
    shmdt(again);
    _exit(0);
  }
  seg->value = 8; /* racy write */
  wait_child(child);
  printf("value %ld\n", seg->value);
  shmdt(seg);
  return 0;
}
