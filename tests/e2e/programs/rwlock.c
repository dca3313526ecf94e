/* A process-shared read-write lock in the segment: two reader processes and
 * one writer process. Readers read under the read lock, the writer writes
 * under the write lock: no race. */
#include <pthread.h>

#include "e2e_util.h"

#define WORDS 16

struct shared {
  pthread_rwlock_t lock;
  long words[WORDS];
};

static long read_all(struct shared *seg) {
  pthread_rwlock_rdlock(&seg->lock);
  long sum = 0;
  for (int i = 0; i < WORDS; ++i)
    sum += seg->words[i];
  pthread_rwlock_unlock(&seg->lock);
  return sum;
}

int main(int argc, char **argv) {
  long n = arg_long(argc, argv, 1, 100);
  struct shared *seg = new_segment(sizeof *seg, NULL);
  pthread_rwlockattr_t attr;
  pthread_rwlockattr_init(&attr);
  pthread_rwlockattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  if (pthread_rwlock_init(&seg->lock, &attr) != 0)
    die("pthread_rwlock_init");
  pthread_rwlockattr_destroy(&attr);

  pid_t children[3];
  for (int c = 0; c < 3; ++c) {
    children[c] = fork_or_die();
    if (children[c] != 0)
      continue;
    for (long i = 0; i < n; ++i) {
      if (c == 0) {
        pthread_rwlock_wrlock(&seg->lock);
        for (int w = 0; w < WORDS; ++w)
          seg->words[w] += 1;
        pthread_rwlock_unlock(&seg->lock);
      } else if (read_all(seg) % WORDS != 0) {
        _exit(1); /* a torn update: the lock did not work */
      }
    }
    shmdt(seg);
    _exit(0);
  }
  int failures = 0;
  for (int c = 0; c < 3; ++c)
    failures += wait_child(children[c]) != 0;
  printf("failures %d, sum %ld\n", failures, read_all(seg));
  pthread_rwlock_destroy(&seg->lock);
  shmdt(seg);
  return 0;
}
