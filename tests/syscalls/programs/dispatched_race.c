/* The kernel's write of a dispatched system call's output races like any
 * write: the child lets uname() fill the segment (libc makes the call
 * itself, so it reaches the runtime through SIGSYS, not an interceptor),
 * the parent writes the same bytes, and nothing orders the two. */
#include <stdio.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  int id = shmget(IPC_PRIVATE, sizeof(struct utsname), IPC_CREAT | 0600);
  if (id < 0)
    return 3;
  struct utsname *seg = shmat(id, NULL, 0);
  shmctl(id, IPC_RMID, NULL);
  if (seg == (void *)-1)
    return 3;
  pid_t child = fork();
  if (child == 0) {
    uname(seg); /* racy (kernel write) */
    _exit(0);
  }
  strcpy(seg->sysname, "parent"); /* racy (plain write) */
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
