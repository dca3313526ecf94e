/* Parent and child each write only their own half of the segment (one page
 * each, so both halves also share no page boundary trick): no race. */
#include "e2e_util.h"

#define HALF 4096

int main(void) {
  unsigned char *seg = new_segment(2 * HALF, NULL);
  pid_t child = fork_or_die();
  unsigned char *mine = child == 0 ? seg + HALF : seg;
  for (int round = 0; round < 4; ++round)
    for (int i = 0; i < HALF; i += 64)
      mine[i] = (unsigned char)(mine[i] + round + 1);
  if (child == 0) {
    shmdt(seg);
    _exit(0);
  }
  wait_child(child);
  printf("first %d, second %d\n", seg[0], seg[HALF]);
  shmdt(seg);
  return 0;
}
