/* A hand-off the runtime cannot see by itself: the child fills the payload
 * and tells the parent by writing a byte to a file that the parent polls
 * (a regular file orders nothing for the runtime, unlike a pipe). With the annotations (`annotated`), the release before the pipe
 * write and the acquire after the pipe read order the payload: no report.
 * Without them (`plain`), the payload write and read are reported. */
#define _GNU_SOURCE
#include <shmcheck/annotations.h>
#include <sys/mman.h>

#include "e2e_util.h"

struct shared {
  long payload[4];
};

int main(int argc, char **argv) {
  const int annotated = argc > 1 && strcmp(argv[1], "annotated") == 0;
  struct shared *seg = new_segment(sizeof *seg, NULL);
  int flag = memfd_create("handoff", 0);
  if (flag < 0)
    die("memfd_create");
  pid_t child = fork_or_die();
  if (child == 0) {
    for (int i = 0; i < 4; ++i)
      seg->payload[i] = 10 * (i + 1); /* written before the hand-off */
    if (annotated)
      SHMCHECK_RELEASE(seg->payload);
    if (pwrite(flag, "x", 1, 0) != 1)
      _exit(1);
    shmdt(seg);
    _exit(0);
  }
  char byte;
  while (pread(flag, &byte, 1, 0) != 1)
    usleep(1000);
  if (annotated)
    SHMCHECK_ACQUIRE(seg->payload);
  long sum = 0;
  for (int i = 0; i < 4; ++i)
    sum += seg->payload[i]; /* read after the hand-off */
  wait_child(child);
  printf("sum %ld\n", sum);
  close(flag);
  shmdt(seg);
  return 0;
}
