/* fork from a multi-threaded process while its other threads are in the
 * middle of trapped accesses and of the runtime's bookkeeping.
 *
 * Three threads increment a counter under a process-shared mutex in the
 * segment and write their own words with plain stores, in a loop. Meanwhile
 * the main thread forks K children one after the other. Each child (a copy
 * of only the forking thread) increments the same counter N times under the
 * same mutex, which may be held by a parent thread at the moment of the
 * fork (it lives in the segment, so the parent's thread releases it), then
 * exits. The parent joins, reaps and checks the count: the same with and
 * without the runtime, and nothing reported (the parent's accesses before
 * each fork happen before the child's; everything else is under the mutex).
 *
 * Usage: fork_threads K N */
#include <pthread.h>

#include "e2e_util.h"

#define THREADS 3

struct shared {
  pthread_mutex_t lock;
  long count;
  long own[THREADS];
};

static struct shared *seg;
static volatile int stop;
static long thread_rounds[THREADS];

static void increment(void) {
  pthread_mutex_lock(&seg->lock);
  seg->count++;
  pthread_mutex_unlock(&seg->lock);
}

static void *spin(void *arg) {
  long index = (long)arg;
  while (!stop) {
    increment();
    seg->own[index] = ++thread_rounds[index];
  }
  return NULL;
}

int main(int argc, char **argv) {
  long children = arg_long(argc, argv, 1, 20);
  long n = arg_long(argc, argv, 2, 100);
  seg = new_segment(sizeof *seg, NULL);
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  pthread_mutex_init(&seg->lock, &attr);
  pthread_mutexattr_destroy(&attr);

  pthread_t threads[THREADS];
  for (long t = 0; t < THREADS; ++t)
    if (pthread_create(&threads[t], NULL, spin, (void *)t) != 0)
      die("pthread_create");
  int failures = 0;
  for (long c = 0; c < children; ++c) {
    fflush(stdout);
    pid_t child = fork_or_die();
    if (child == 0) {
      for (long i = 0; i < n; ++i)
        increment();
      _exit(0);
    }
    failures += wait_child(child) != 0;
  }
  stop = 1;
  long rounds = 0;
  for (int t = 0; t < THREADS; ++t) {
    pthread_join(threads[t], NULL);
    rounds += thread_rounds[t];
    failures += seg->own[t] != thread_rounds[t];
  }
  printf("%ld children, count %s, %d failures\n", children,
         seg->count == rounds + children * n ? "exact" : "WRONG", failures);
  pthread_mutex_destroy(&seg->lock);
  shmdt(seg);
  return failures == 0 ? 0 : 1;
}
