/* shm-light: mostly private computation, a rare guarded update of shared state.
 * The shape of a worker that crunches numbers and publishes a result now and
 * then: a checker should cost almost nothing here. */
#include "pshared_sync.h"
#include "workload_main.h"

#include <stdint.h>

enum { kPrivateWords = 4096, kPublishEvery = 100000 };

struct light_shared { /* lives in the segment (or heap for the thread twin) */
  pthread_mutex_t lock;
  uint64_t published;
  uint64_t checksum;
};

size_t workload_shared_size(void) { return sizeof(struct light_shared); }

void workload_init(void *shared, int process_shared) {
  init_mutex(&((struct light_shared *)shared)->lock, process_shared);
}

void workload_run(void *p, int worker, long iterations) {
  struct light_shared *shared = p;
  uint64_t scratch[kPrivateWords];
  uint64_t x = 0x9e3779b97f4a7c15ull * (uint64_t)(worker + 1);
  for (int i = 0; i < kPrivateWords; ++i)
    scratch[i] = x ^ (uint64_t)i;
  for (long i = 0; i < iterations; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    scratch[x % kPrivateWords] += x >> 17;
    if (i % kPublishEvery == kPublishEvery - 1) {
      pthread_mutex_lock(&shared->lock);
      shared->published++;
      shared->checksum ^= scratch[x % kPrivateWords];
      pthread_mutex_unlock(&shared->lock);
    }
  }
}

int workload_verify(void *p, long iterations) {
  struct light_shared *shared = p;
  return shared->published == 2 * (uint64_t)(iterations / kPublishEvery) ? 0 : 1;
}
