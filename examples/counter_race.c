/* The seed race: two processes increment one counter in a System V shared
 * memory segment with no synchronization at all.
 *
 * Each process adds 1 to the counter N times. Because `seg->count++` is a
 * read, an add and a write, the two processes overwrite each other's updates
 * and the final value is usually less than 2*N. shm-tidy flags the increment
 * statically; libshmcheck.so reports it when both processes run.
 *
 * Usage: counter_race [N]   (default 20000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

struct shared_counter {
  long count;
};

static void increment_many(struct shared_counter *seg, long n) {
  for (long i = 0; i < n; ++i)
    seg->count++; /* the race: nothing orders the two processes' updates */
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 20000;

  int shmid = shmget(IPC_PRIVATE, sizeof(struct shared_counter), IPC_CREAT | 0600);
  if (shmid == -1) {
    perror("shmget");
    return 1;
  }
  struct shared_counter *seg = shmat(shmid, NULL, 0);
  if (seg == (void *)-1) {
    perror("shmat");
    shmctl(shmid, IPC_RMID, NULL);
    return 1;
  }
  /* Mark for removal now: the kernel frees the segment when the last process
   * detaches, even if we are killed before the end. */
  shmctl(shmid, IPC_RMID, NULL);
  seg->count = 0;

  pid_t child = fork();
  if (child == -1) {
    perror("fork");
    shmdt(seg);
    return 1;
  }
  increment_many(seg, n);
  if (child == 0) {
    shmdt(seg);
    _exit(0);
  }

  int status = 0;
  waitpid(child, &status, 0);
  printf("expected %ld, actual %ld\n", 2 * n, seg->count);
  shmdt(seg);
  return 0;
}
