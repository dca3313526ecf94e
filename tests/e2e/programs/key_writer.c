/* One of two independent processes (started separately, not related by
 * fork) that attach the same segment by key and write the same word.
 *
 * Usage: key_writer VALUE
 * Creates or opens the segment under the run's key, writes VALUE, prints
 * "written" and waits for a line (or end of input) on stdin before it
 * detaches; the driver starts the second writer in between. The process that
 * finds the segment already written removes it at the end. */
#include "e2e_util.h"

struct shared {
  long value;
};

int main(int argc, char **argv) {
  long value = arg_long(argc, argv, 1, 1);
  int shmid = shmget(test_key(0), sizeof(struct shared), IPC_CREAT | 0600);
  if (shmid == -1)
    die("shmget");
  struct shared *seg = shmat(shmid, NULL, 0);
  if (seg == (void *)-1)
    die("shmat");
  long previous = seg->value;
  seg->value = value; /* racy write */
  printf("written\n");
  fflush(stdout);
  char line[16];
  if (fgets(line, sizeof line, stdin) == NULL) {
    /* end of input: go on */
  }
  shmdt(seg);
  if (previous != 0)
    shmctl(shmid, IPC_RMID, NULL);
  return 0;
}
