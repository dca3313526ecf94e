/* Attachment modes behave as without the runtime: one segment attached twice
 * in one process (a write through one view is read through the other), a
 * read-only attachment (reads work; a write kills the writer with SIGSEGV,
 * as it would anyway), and a re-attach at a fixed address. No race: every
 * access is ordered by fork and wait. */
#include "e2e_util.h"

int main(void) {
  int shmid;
  long *first = new_segment(4096, &shmid);
  long *second = shmat(shmid, NULL, 0);
  if (second == (void *)-1)
    die("shmat (second view)");
  first[10] = 1234;
  printf("second view sees %ld\n", second[10]);
  second[11] = 5678;
  printf("first view sees %ld\n", first[11]);

  pid_t reader = fork_or_die();
  if (reader == 0) {
    const long *ro = shmat(shmid, NULL, SHM_RDONLY);
    if (ro == (void *)-1)
      _exit(3);
    _exit(ro[10] == 1234 && ro[11] == 5678 ? 0 : 1);
  }
  printf("read-only reader status %d\n", wait_child(reader));

  pid_t writer = fork_or_die();
  if (writer == 0) {
    long *ro = shmat(shmid, NULL, SHM_RDONLY);
    if (ro == (void *)-1)
      _exit(3);
    ro[12] = 1; /* not allowed: SIGSEGV */
    _exit(0);
  }
  printf("read-only writer status %d\n", wait_child(writer));

  void *where = first;
  shmdt(first);
  long *again = shmat(shmid, where, 0);
  printf("fixed re-attach %s, sees %ld\n", again == where ? "at the same address" : "elsewhere",
         again == (void *)-1 ? -1L : again[11]);
  if (again != (void *)-1)
    shmdt(again);
  shmdt(second);
  return 0;
}
