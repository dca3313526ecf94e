/* hand-off ring: worker 0 produces, worker 1 consumes, through a ring buffer
 * guarded only by two counting semaphores (free slots, filled slots). There is
 * no mutex: the semaphores alone order every slot's write before its read. */
#include "pshared_sync.h"
#include "workload_main.h"

#include <stdint.h>

enum { kSlots = 64 };

struct ring_shared { /* lives in the segment (or heap for the thread twin) */
  sem_t free_slots;
  sem_t filled_slots;
  uint64_t slots[kSlots];
  uint64_t consumed_sum;
};

size_t workload_shared_size(void) { return sizeof(struct ring_shared); }

void workload_init(void *p, int process_shared) {
  struct ring_shared *ring = p;
  init_semaphore(&ring->free_slots, process_shared, kSlots);
  init_semaphore(&ring->filled_slots, process_shared, 0);
}

void workload_run(void *p, int worker, long iterations) {
  struct ring_shared *ring = p;
  if (worker == 0) {
    for (long i = 0; i < iterations; ++i) {
      sem_wait(&ring->free_slots);
      ring->slots[i % kSlots] = (uint64_t)i;
      sem_post(&ring->filled_slots);
    }
  } else {
    uint64_t sum = 0;
    for (long i = 0; i < iterations; ++i) {
      sem_wait(&ring->filled_slots);
      sum += ring->slots[i % kSlots];
      sem_post(&ring->free_slots);
    }
    ring->consumed_sum = sum;
  }
}

int workload_verify(void *p, long iterations) {
  struct ring_shared *ring = p;
  uint64_t n = (uint64_t)iterations;
  return ring->consumed_sum == n * (n - 1) / 2 ? 0 : 1;
}
