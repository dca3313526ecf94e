/* Two threads of one process increment a counter in a segment with no lock:
 * race (between threads this time, not processes). */
#include <pthread.h>

#include "e2e_util.h"

struct shared {
  long count;
};

static struct shared *seg;
static long iterations;

static void *increment_many(void *arg) {
  (void)arg;
  for (long i = 0; i < iterations; ++i)
    seg->count++; /* racy */
  return NULL;
}

int main(int argc, char **argv) {
  iterations = arg_long(argc, argv, 1, 2000);
  seg = new_segment(sizeof *seg, NULL);
  pthread_t threads[2];
  for (int t = 0; t < 2; ++t)
    if (pthread_create(&threads[t], NULL, increment_many, NULL) != 0)
      die("pthread_create");
  for (int t = 0; t < 2; ++t)
    pthread_join(threads[t], NULL);
  printf("expected %ld, actual %ld\n", 2 * iterations, seg->count);
  shmdt(seg);
  return 0;
}
