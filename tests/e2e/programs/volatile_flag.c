/* A hand-off through a volatile flag: the child writes the payload, then
 * sets the flag; the parent spins on the flag, then reads the payload.
 * volatile orders nothing between processes (no fence, no atomic): the
 * payload write and read are a data race. */
#include "e2e_util.h"

struct shared {
  volatile int ready;
  int payload;
};

int main(void) {
  struct shared *seg = new_segment(sizeof *seg, NULL);
  seg->ready = 0;
  pid_t child = fork_or_die();
  if (child == 0) {
    seg->payload = 42; /* racy write */
    seg->ready = 1;
    shmdt(seg);
    _exit(0);
  }
  while (!seg->ready)
    ;
  int value = seg->payload; /* racy read */
  wait_child(child);
  printf("payload %d\n", value);
  shmdt(seg);
  return 0;
}
