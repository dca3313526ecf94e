/* Both processes memcpy a block into the same region of the segment with no
 * synchronization: race. The block is large enough for the C library to copy
 * it with `rep movsb` or vector moves, whichever it picks. */
#include "e2e_util.h"

#define BLOCK 8192

int main(void) {
  unsigned char *seg = new_segment(BLOCK, NULL);
  static unsigned char source[BLOCK];
  pid_t child = fork_or_die();
  memset(source, child == 0 ? 0xaa : 0x55, sizeof source);
  memcpy(seg, source, BLOCK); /* racy */
  if (child == 0) {
    shmdt(seg);
    _exit(0);
  }
  wait_child(child);
  printf("first byte %s\n", seg[0] == 0xaa || seg[0] == 0x55 ? "ok" : "bad");
  shmdt(seg);
  return 0;
}
