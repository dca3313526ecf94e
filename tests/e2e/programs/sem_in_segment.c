/* Two processes increment a counter guarded by an unnamed, process-shared
 * POSIX semaphore that lives in the segment next to the counter: no race. */
#include <semaphore.h>

#include "e2e_util.h"

struct shared {
  sem_t lock;
  long count;
};

static void increment_many(struct shared *seg, long n) {
  for (long i = 0; i < n; ++i) {
    if (sem_wait(&seg->lock) != 0)
      die("sem_wait");
    seg->count++;
    sem_post(&seg->lock);
  }
}

int main(int argc, char **argv) {
  long n = arg_long(argc, argv, 1, 2000);
  struct shared *seg = new_segment(sizeof *seg, NULL);
  if (sem_init(&seg->lock, 1, 1) != 0)
    die("sem_init");
  seg->count = 0;
  pid_t child = fork_or_die();
  increment_many(seg, n);
  if (child == 0) {
    shmdt(seg);
    _exit(0);
  }
  wait_child(child);
  printf("expected %ld, actual %ld\n", 2 * n, seg->count);
  sem_destroy(&seg->lock);
  shmdt(seg);
  return 0;
}
