/* A ring buffer in the segment, handed over with two counting semaphores
 * ("free slots", "filled slots") and no mutex: one producer process, one
 * consumer process. Every slot is written and read by different processes,
 * ordered only by the semaphores: no race. (A lockset checker reports this:
 * no lock is ever held around the slots.) */
#include <semaphore.h>

#include "e2e_util.h"

#define SLOTS 8

struct shared {
  sem_t free_slots;
  sem_t filled_slots;
  long ring[SLOTS];
};

int main(int argc, char **argv) {
  long n = arg_long(argc, argv, 1, 1000);
  struct shared *seg = new_segment(sizeof *seg, NULL);
  if (sem_init(&seg->free_slots, 1, SLOTS) != 0 ||
      sem_init(&seg->filled_slots, 1, 0) != 0)
    die("sem_init");
  pid_t child = fork_or_die();
  if (child == 0) {
    for (long i = 0; i < n; ++i) {
      sem_wait(&seg->free_slots);
      seg->ring[i % SLOTS] = i * 3 + 1;
      sem_post(&seg->filled_slots);
    }
    shmdt(seg);
    _exit(0);
  }
  long sum = 0;
  for (long i = 0; i < n; ++i) {
    sem_wait(&seg->filled_slots);
    sum += seg->ring[i % SLOTS];
    sem_post(&seg->free_slots);
  }
  wait_child(child);
  long expected = 0;
  for (long i = 0; i < n; ++i)
    expected += i * 3 + 1;
  printf("expected %ld, actual %ld\n", expected, sum);
  sem_destroy(&seg->free_slots);
  sem_destroy(&seg->filled_slots);
  shmdt(seg);
  return 0;
}
