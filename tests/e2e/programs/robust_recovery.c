/* A robust mutex whose owner dies holding it: the child takes the lock,
 * writes the data and is killed; the parent gets EOWNERDEAD, repairs the
 * data, marks the mutex consistent and goes on using it.
 *
 *   robust_recovery sync   the parent repairs under the lock: no report;
 *   robust_recovery racy   the parent reads the data before taking the
 *                          lock: reported. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>

#include "e2e_util.h"

struct shared {
  pthread_mutex_t mutex;
  long data[4];
};

int main(int argc, char **argv) {
  const int racy = argc > 1 && strcmp(argv[1], "racy") == 0;
  struct shared *seg = new_segment(sizeof *seg, NULL);
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
  pthread_mutex_init(&seg->mutex, &attr);
  int fds[2];
  if (pipe(fds) != 0)
    die("pipe");
  pid_t child = fork_or_die();
  if (child == 0) {
    pthread_mutex_lock(&seg->mutex);
    if (write(fds[1], "x", 1) != 1)
      _exit(1);
    for (int i = 0; i < 4; ++i)
      seg->data[i] = i + 1; /* written by the owner that dies */
    raise(SIGKILL);
  }
  char c;
  if (read(fds[0], &c, 1) != 1)
    die("read");
  long seen = 0;
  if (racy)
    seen = seg->data[0]; /* read without the lock */
  int rc = pthread_mutex_lock(&seg->mutex);
  if (rc == EOWNERDEAD) {
    for (int i = 0; i < 4; ++i)
      seg->data[i] += 10; /* repaired by the next owner */
    pthread_mutex_consistent(&seg->mutex);
  }
  pthread_mutex_unlock(&seg->mutex);
  int status = wait_child(child);
  printf("lock %s, data %ld %ld, child %d%s\n", rc == EOWNERDEAD ? "EOWNERDEAD" : "taken",
         seg->data[0], seg->data[3], status, seen > 1 ? " (seen early)" : "");
  return 0;
}
