/* The seed race, in a program that builds shmcheck defaults into itself
 * through the hooks of <shmcheck/hooks.h> (linked with -rdynamic so that the
 * preloaded runtime finds them): exit status 42 for a race, and, when built
 * with SUPPRESS_IN_HOOK, a suppression for its own racy function.
 *
 * Usage: hooked_race [N]   (default 2000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#include <shmcheck/hooks.h>

const char *__shmcheck_default_options(void) { return "exitcode=42"; }

#ifdef SUPPRESS_IN_HOOK
const char *__shmcheck_default_suppressions(void) {
  return "# accepted: the counter is statistics only\n"
         "race:^hooked_increment$\n";
}
#endif

struct shared_counter {
  long count;
};

static void hooked_increment(struct shared_counter *seg, long n) {
  for (long i = 0; i < n; ++i)
    seg->count++; /* unordered between the two processes */
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 2000;
  int shmid = shmget(IPC_PRIVATE, sizeof(struct shared_counter), IPC_CREAT | 0600);
  if (shmid == -1) {
    perror("shmget");
    return 1;
  }
  struct shared_counter *seg = shmat(shmid, NULL, 0);
  shmctl(shmid, IPC_RMID, NULL);
  if (seg == (void *)-1) {
    perror("shmat");
    return 1;
  }
  seg->count = 0;
  pid_t child = fork();
  if (child == -1) {
    perror("fork");
    return 1;
  }
  hooked_increment(seg, n);
  if (child == 0)
    _exit(0);
  waitpid(child, NULL, 0);
  printf("counted %ld of %ld\n", seg->count, 2 * n);
  shmdt(seg);
  return 0;
}
