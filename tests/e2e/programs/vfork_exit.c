/* A vfork child shares its parent's memory until it calls _exit or exec:
 * the runtime must not mistake its _exit for the parent's end. After one
 * vfork child exits and another execs, the parent must still be checked: it
 * then races with an ordinary fork child, which must be reported. */
#include "e2e_util.h"

struct shared {
  long value;
};

int main(void) {
  struct shared *seg = new_segment(sizeof *seg, NULL);
  seg->value = 1;
  pid_t quick = vfork();
  if (quick == 0)
    _exit(0);
  wait_child(quick);
  pid_t exec_child = vfork();
  if (exec_child == 0) {
    execl("/bin/true", "true", (char *)NULL);
    _exit(127);
  }
  int exec_status = wait_child(exec_child);

  pid_t child = fork_or_die();
  if (child == 0) {
    seg->value = 2; /* racy write */
    shmdt(seg);
    _exit(0);
  }
  seg->value = 3; /* racy write */
  wait_child(child);
  printf("exec child status %d\n", exec_status);
  shmdt(seg);
  return 0;
}
