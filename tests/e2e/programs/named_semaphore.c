/* Two processes increment a counter in a segment, guarded by a named POSIX
 * semaphore that each process opens by name (so each maps it at its own
 * address): no race. */
#include <fcntl.h>
#include <semaphore.h>

#include "e2e_util.h"

struct shared {
  long count;
};

static void increment_many(struct shared *seg, sem_t *lock, long n) {
  for (long i = 0; i < n; ++i) {
    if (sem_wait(lock) != 0)
      die("sem_wait");
    seg->count++;
    sem_post(lock);
  }
}

int main(int argc, char **argv) {
  long n = arg_long(argc, argv, 1, 2000);
  char name[96];
  test_name(name, sizeof name, "lock");
  struct shared *seg = new_segment(sizeof *seg, NULL);
  seg->count = 0;
  sem_t *lock = sem_open(name, O_CREAT | O_EXCL, 0600, 1);
  if (lock == SEM_FAILED)
    die("sem_open");
  pid_t child = fork_or_die();
  if (child == 0) {
    /* Open it again by name, as an unrelated process would. */
    sem_close(lock);
    lock = sem_open(name, 0);
    if (lock == SEM_FAILED)
      die("sem_open (child)");
  }
  increment_many(seg, lock, n);
  sem_close(lock);
  if (child == 0) {
    shmdt(seg);
    _exit(0);
  }
  wait_child(child);
  sem_unlink(name);
  printf("expected %ld, actual %ld\n", 2 * n, seg->count);
  shmdt(seg);
  return 0;
}
