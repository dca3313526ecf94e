/* Two threads of one process increment a counter in a segment under a
 * process-private mutex in ordinary memory: no race; and the main thread
 * reads the result after joining them. */
#include <pthread.h>

#include "e2e_util.h"

struct shared {
  long count;
};

static struct shared *seg;
static long iterations;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *increment_many(void *arg) {
  (void)arg;
  for (long i = 0; i < iterations; ++i) {
    pthread_mutex_lock(&lock);
    seg->count++;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int main(int argc, char **argv) {
  iterations = arg_long(argc, argv, 1, 2000);
  seg = new_segment(sizeof *seg, NULL);
  seg->count = 0;
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
