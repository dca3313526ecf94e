/* One of two independent processes (started separately, not related by
 * fork) that open the same shm_open object by name, map it, and write the
 * same word.
 *
 * Usage: shm_writer VALUE [sem]
 * The first one creates the object (and, with "sem", the process-shared
 * sem_t in it), writes VALUE (holding the semaphore with "sem"), prints
 * "written" and waits for a line or end of input on stdin before it
 * unmaps; the driver starts the second one in between. The second finds
 * the object, writes, and removes its name. Without "sem" the two writes
 * race; with it the second process's sem_wait orders its write after the
 * first one's sem_post. */
#define _GNU_SOURCE
#include <errno.h>
#include <semaphore.h>

#include "posix_util.h"

struct shared {
  sem_t sem;
  long value;
};

int main(int argc, char **argv) {
  const long value = arg_long(argc, argv, 1, 1);
  const int guarded = argc > 2 && strcmp(argv[2], "sem") == 0;
  char name[128];
  test_name(name, sizeof name, "independent");
  int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
  const int creator = fd != -1;
  if (!creator) {
    if (errno != EEXIST)
      die("shm_open");
    fd = shm_open(name, O_RDWR, 0);
    if (fd == -1)
      die("shm_open");
  } else {
    /* Gone at exit at the latest, also if the second process never comes. */
    remove_at_exit(REMOVE_SHM, name);
    if (ftruncate(fd, 4096) != 0)
      die("ftruncate");
  }
  struct shared *seg = map_shared(fd, 4096, 0);
  close(fd);
  if (creator && guarded && sem_init(&seg->sem, 1, 1) != 0)
    die("sem_init");
  if (guarded && sem_wait(&seg->sem) != 0)
    die("sem_wait");
  long previous = seg->value;
  seg->value = value; /* the shared word */
  if (guarded)
    sem_post(&seg->sem);
  if (!creator)
    shm_unlink(name);
  printf("written over %ld\n", previous);
  fflush(stdout);
  char line[16];
  if (fgets(line, sizeof line, stdin) == NULL) {
    /* end of input: go on */
  }
  munmap(seg, 4096);
  return 0;
}
