/* The seed race fixed with a pthread mutex that lives in the segment.
 *
 * The mutex is initialised with PTHREAD_PROCESS_SHARED, which is what makes
 * it work across processes: without it the behaviour is undefined. The final
 * count is exactly 2*N and neither tool reports anything.
 *
 * Usage: counter_mutex [N]   (default 20000)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

struct shared_counter {
  pthread_mutex_t lock;
  long count;
};

static int init_shared_mutex(pthread_mutex_t *m) {
  pthread_mutexattr_t attr;
  if (pthread_mutexattr_init(&attr) != 0)
    return -1;
  int rc = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  if (rc == 0)
    rc = pthread_mutex_init(m, &attr);
  pthread_mutexattr_destroy(&attr);
  return rc == 0 ? 0 : -1;
}

static void increment_many(struct shared_counter *seg, long n) {
  for (long i = 0; i < n; ++i) {
    pthread_mutex_lock(&seg->lock);
    seg->count++;
    pthread_mutex_unlock(&seg->lock);
  }
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 20000;

  int shmid = shmget(IPC_PRIVATE, sizeof(struct shared_counter), IPC_CREAT | 0600);
  if (shmid == -1) {
    perror("shmget");
    return 1;
  }
  struct shared_counter *seg = shmat(shmid, NULL, 0);
  shmctl(shmid, IPC_RMID, NULL); /* freed once the last process detaches */
  if (seg == (void *)-1) {
    perror("shmat");
    return 1;
  }
  if (init_shared_mutex(&seg->lock) != 0) {
    fprintf(stderr, "cannot initialise the process-shared mutex\n");
    shmdt(seg);
    return 1;
  }
  seg->count = 0;

  pid_t child = fork();
  if (child == -1) {
    perror("fork");
    pthread_mutex_destroy(&seg->lock);
    shmdt(seg);
    return 1;
  }
  increment_many(seg, n);
  if (child == 0) {
    shmdt(seg);
    _exit(0);
  }

  waitpid(child, NULL, 0);
  printf("expected %ld, actual %ld\n", 2 * n, seg->count);
  pthread_mutex_destroy(&seg->lock);
  shmdt(seg);
  return 0;
}
