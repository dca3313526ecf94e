/* A race whose processes are both killed before either writes its report.
 *
 * The child reads what the parent wrote after waking it through a pipe (the
 * pipe orders only what came before the write: the runtime sees no edge for
 * the value), and waits a moment so that the write comes first. The child
 * finds the race in its fault handler, which only queues the report, and kills itself; the
 * parent reaps it and kills itself too. Nobody flushes: the report and the
 * session's shared state are left for the launcher to collect.
 */
#include <signal.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

struct shared {
  int value;
};

int main(void) {
  int shmid = shmget(IPC_PRIVATE, sizeof(struct shared), IPC_CREAT | 0600);
  if (shmid == -1) {
    perror("shmget");
    return 1;
  }
  volatile struct shared *seg = shmat(shmid, NULL, 0);
  shmctl(shmid, IPC_RMID, NULL); /* freed by the kernel when both are gone */
  if (seg == (void *)-1) {
    perror("shmat");
    return 1;
  }
  int fds[2];
  if (pipe(fds) != 0) {
    perror("pipe");
    return 1;
  }
  pid_t child = fork();
  if (child == -1) {
    perror("fork");
    return 1;
  }
  if (child == 0) {
    char c;
    if (read(fds[0], &c, 1) != 1) _exit(2);
    usleep(100 * 1000);
    int seen = seg->value; /* the race: unordered with the parent's write */
    (void)seen;
    raise(SIGKILL);
  }
  if (write(fds[1], "x", 1) != 1) return 2;
  seg->value = 1;
  waitpid(child, NULL, 0);
  raise(SIGKILL);
  return 0;
}
