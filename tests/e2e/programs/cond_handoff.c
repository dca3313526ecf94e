/* A hand-off with a process-shared mutex and condition variable in the
 * segment: the child fills the payload and sets `ready` under the mutex and
 * signals; the parent waits for `ready`, then reads. No race. */
#include <pthread.h>

#include "e2e_util.h"

struct shared {
  pthread_mutex_t lock;
  pthread_cond_t changed;
  int ready;
  long payload[32];
};

int main(void) {
  struct shared *seg = new_segment(sizeof *seg, NULL);
  pthread_mutexattr_t mattr;
  pthread_mutexattr_init(&mattr);
  pthread_mutexattr_setpshared(&mattr, PTHREAD_PROCESS_SHARED);
  pthread_condattr_t cattr;
  pthread_condattr_init(&cattr);
  pthread_condattr_setpshared(&cattr, PTHREAD_PROCESS_SHARED);
  if (pthread_mutex_init(&seg->lock, &mattr) != 0 ||
      pthread_cond_init(&seg->changed, &cattr) != 0)
    die("init");
  pid_t child = fork_or_die();
  if (child == 0) {
    pthread_mutex_lock(&seg->lock);
    for (int i = 0; i < 32; ++i)
      seg->payload[i] = i * i;
    seg->ready = 1;
    pthread_cond_signal(&seg->changed);
    pthread_mutex_unlock(&seg->lock);
    shmdt(seg);
    _exit(0);
  }
  pthread_mutex_lock(&seg->lock);
  while (!seg->ready)
    pthread_cond_wait(&seg->changed, &seg->lock);
  long sum = 0;
  for (int i = 0; i < 32; ++i)
    sum += seg->payload[i];
  pthread_mutex_unlock(&seg->lock);
  wait_child(child);
  printf("sum %ld\n", sum);
  pthread_cond_destroy(&seg->changed);
  pthread_mutex_destroy(&seg->lock);
  shmdt(seg);
  return 0;
}
