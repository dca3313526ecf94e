/* shm-heavy: both workers hammer one mutex-guarded counter in shared memory.
 * Every iteration is a lock, a shared read-modify-write and an unlock: the
 * worst case for a checker that pays per shared access. */
#include "pshared_sync.h"
#include "workload_main.h"

struct heavy_shared { /* lives in the segment (or heap for the thread twin) */
  pthread_mutex_t lock;
  long counter;
};

size_t workload_shared_size(void) { return sizeof(struct heavy_shared); }

void workload_init(void *shared, int process_shared) {
  init_mutex(&((struct heavy_shared *)shared)->lock, process_shared);
}

void workload_run(void *p, int worker, long iterations) {
  struct heavy_shared *shared = p;
  (void)worker;
  for (long i = 0; i < iterations; ++i) {
    pthread_mutex_lock(&shared->lock);
    shared->counter++;
    pthread_mutex_unlock(&shared->lock);
  }
}

int workload_verify(void *p, long iterations) {
  return ((struct heavy_shared *)p)->counter == 2 * iterations ? 0 : 1;
}
