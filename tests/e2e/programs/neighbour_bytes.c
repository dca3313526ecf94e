/* Parent and child write neighbouring bytes of one 8-byte word, never the
 * same byte: no race (the checker works at byte precision). */
#include "e2e_util.h"

struct shared {
  unsigned char bytes[8];
};

int main(int argc, char **argv) {
  long n = arg_long(argc, argv, 1, 200);
  struct shared *seg = new_segment(sizeof *seg, NULL);
  pid_t child = fork_or_die();
  const int mine = child == 0 ? 3 : 4;
  for (long i = 0; i < n; ++i)
    seg->bytes[mine]++;
  if (child == 0) {
    shmdt(seg);
    _exit(0);
  }
  wait_child(child);
  printf("byte3 %d, byte4 %d\n", seg->bytes[3], seg->bytes[4]);
  shmdt(seg);
  return 0;
}
