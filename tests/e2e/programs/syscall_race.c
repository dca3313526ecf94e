/* The child fills the segment with read() from a pipe (the kernel writes the
 * segment), the parent writes the same bytes itself: nothing orders them, so
 * the kernel-side write on the child's behalf races with the parent's. */
#include "e2e_util.h"

struct shared {
  char text[64];
};

int main(void) {
  struct shared *seg = new_segment(sizeof *seg, NULL);
  int fds[2];
  if (pipe(fds) != 0)
    die("pipe");
  if (write(fds[1], "from the pipe", 14) != 14)
    die("write");
  pid_t child = fork_or_die();
  if (child == 0) {
    long n = read(fds[0], seg->text, sizeof seg->text); /* racy (kernel) */
    shmdt(seg);
    _exit(n == 14 ? 0 : 1);
  }
  strcpy(seg->text, "from the parent"); /* racy */
  int status = wait_child(child);
  printf("child %s\n", status == 0 || status == 66 ? "read 14 bytes" : "failed");
  close(fds[0]);
  close(fds[1]);
  shmdt(seg);
  return 0;
}
