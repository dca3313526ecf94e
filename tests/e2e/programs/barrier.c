/* Phases separated by a process-shared barrier in the segment: in phase 1
 * each process writes its own slot, in phase 2 each reads the other's slot,
 * in phase 3 each overwrites the other's slot. The barrier orders every
 * phase after the previous one: no race. */
#include <pthread.h>

#include "e2e_util.h"

struct shared {
  pthread_barrier_t barrier;
  long slot[2];
};

int main(void) {
  struct shared *seg = new_segment(sizeof *seg, NULL);
  pthread_barrierattr_t attr;
  pthread_barrierattr_init(&attr);
  pthread_barrierattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  if (pthread_barrier_init(&seg->barrier, &attr, 2) != 0)
    die("pthread_barrier_init");
  pthread_barrierattr_destroy(&attr);

  pid_t child = fork_or_die();
  const int me = child == 0 ? 1 : 0;
  const int other = 1 - me;
  seg->slot[me] = 100 + me;         /* phase 1 */
  pthread_barrier_wait(&seg->barrier);
  long seen = seg->slot[other];     /* phase 2 */
  pthread_barrier_wait(&seg->barrier);
  seg->slot[other] = seen + 1000;   /* phase 3 */
  pthread_barrier_wait(&seg->barrier);
  if (child == 0) {
    shmdt(seg);
    _exit(0);
  }
  wait_child(child);
  printf("slots %ld %ld\n", seg->slot[0], seg->slot[1]);
  pthread_barrier_destroy(&seg->barrier);
  shmdt(seg);
  return 0;
}
