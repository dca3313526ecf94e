/* One process maps the same memfd twice, at two addresses, and two of its
 * threads increment the same counter, each through its own mapping: one
 * object, one shadow, so the race between the threads is found although
 * the addresses differ.
 *
 * Usage: double_mapping race|mutex [N]
 * With "mutex", a process-shared mutex in the object guards the counter;
 * each thread locks it through its own mapping (the same mutex, at the
 * same object offset): no race. */
#define _GNU_SOURCE
#include "posix_util.h"

struct shared {
  pthread_mutex_t mutex;
  long count;
};

struct worker {
  struct shared *view;
  int guarded;
  long n;
};

static void *increment_many(void *arg) {
  struct worker *w = arg;
  for (long i = 0; i < w->n; ++i) {
    if (w->guarded && pthread_mutex_lock(&w->view->mutex) != 0)
      die("pthread_mutex_lock");
    w->view->count++; /* the counter, through this thread's mapping */
    if (w->guarded)
      pthread_mutex_unlock(&w->view->mutex);
  }
  return NULL;
}

int main(int argc, char **argv) {
  const int guarded = argc > 1 && strcmp(argv[1], "mutex") == 0;
  const long n = arg_long(argc, argv, 2, 500);
  const size_t size = 4096;
  int fd = new_memfd("double", size);
  struct shared *first = map_shared(fd, size, 0);
  struct shared *second = map_shared(fd, size, 0);
  close(fd);
  if (first == second)
    die("same address");
  init_shared_mutex(&first->mutex);
  first->count = 0;
  struct worker workers[2] = {{first, guarded, n}, {second, guarded, n}};
  pthread_t threads[2];
  for (int t = 0; t < 2; ++t)
    if (pthread_create(&threads[t], NULL, increment_many, &workers[t]) != 0)
      die("pthread_create");
  for (int t = 0; t < 2; ++t)
    pthread_join(threads[t], NULL);
  printf("expected %ld, actual %ld, seen through the other mapping %ld\n",
         2 * n, first->count, second->count);
  pthread_mutex_destroy(&first->mutex);
  munmap(first, size);
  munmap(second, size);
  return 0;
}
