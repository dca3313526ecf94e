/* Two processes increment a counter in memory they share one of the POSIX
 * ways: unguarded (a race), or guarded by a process-shared mutex or an
 * unnamed sem_t that lives next to the counter (no race).
 *
 * Usage: posix_counter WAY GUARD N
 *   WAY    shm    a shm_open object; the child opens it by name and maps it
 *                 itself (another mapping, at another address)
 *          memfd  a memfd passed through fork; the child maps the inherited
 *                 descriptor itself
 *          anon   a MAP_SHARED|MAP_ANONYMOUS region made before fork (the
 *                 child uses the inherited mapping)
 *          file   a regular file; the child opens it by path and maps it
 *   GUARD  none | mutex | sem
 * The child unmaps what it inherited before it uses its own mapping. */
#define _GNU_SOURCE /* memfd_create */
#include <semaphore.h>

#include "posix_util.h"

struct shared {
  pthread_mutex_t mutex;
  sem_t sem;
  long count;
};

enum guard { NONE, MUTEX, SEM };

static void increment_many(struct shared *s, enum guard guard, long n) {
  for (long i = 0; i < n; ++i) {
    if (guard == MUTEX && pthread_mutex_lock(&s->mutex) != 0)
      die("pthread_mutex_lock");
    if (guard == SEM && sem_wait(&s->sem) != 0)
      die("sem_wait");
    s->count++; /* the shared counter */
    if (guard == MUTEX)
      pthread_mutex_unlock(&s->mutex);
    if (guard == SEM)
      sem_post(&s->sem);
  }
}

/* The child's own mapping of the object (see Usage). */
static struct shared *child_mapping(const char *way, int fd, const char *name,
                                    struct shared *inherited, size_t size) {
  struct shared *mine = inherited;
  if (strcmp(way, "shm") == 0 || strcmp(way, "file") == 0) {
    int own = strcmp(way, "shm") == 0 ? shm_open(name, O_RDWR, 0)
                                      : open(name, O_RDWR);
    if (own == -1)
      die("open");
    mine = map_shared(own, size, 0);
    close(own);
  } else if (strcmp(way, "memfd") == 0) {
    mine = map_shared(fd, size, 0);
  }
  if (mine != inherited && munmap(inherited, size) != 0)
    die("munmap");
  return mine;
}

int main(int argc, char **argv) {
  if (argc < 3)
    die("usage: posix_counter shm|memfd|anon|file none|mutex|sem [N]");
  const char *way = argv[1];
  enum guard guard = strcmp(argv[2], "mutex") == 0 ? MUTEX
                     : strcmp(argv[2], "sem") == 0 ? SEM
                                                   : NONE;
  long n = arg_long(argc, argv, 3, 1000);
  size_t size = 4096;
  char name[128] = "";
  int fd = -1;
  if (strcmp(way, "shm") == 0) {
    fd = new_shm_object("counter", size, name, sizeof name);
  } else if (strcmp(way, "memfd") == 0) {
    fd = new_memfd("counter", size);
  } else if (strcmp(way, "file") == 0) {
    const char *dir = getenv("TMPDIR");
    snprintf(name, sizeof name, "%s/shmcheck-e2e-counter-XXXXXX",
             dir != NULL ? dir : "/tmp");
    fd = mkstemp(name);
    if (fd == -1)
      die("mkstemp");
    remove_at_exit(REMOVE_FILE, name);
    if (ftruncate(fd, (off_t)size) != 0)
      die("ftruncate");
  } else if (strcmp(way, "anon") != 0) {
    die("unknown way");
  }
  struct shared *seg = fd == -1 ? new_anonymous_shared(size)
                                : map_shared(fd, size, 0);
  if (guard == MUTEX)
    init_shared_mutex(&seg->mutex);
  if (guard == SEM && sem_init(&seg->sem, 1, 1) != 0)
    die("sem_init");
  seg->count = 0;

  int ready[2];
  if (pipe(ready) != 0)
    die("pipe");
  pid_t child = fork_or_die();
  if (child == 0) {
    close(ready[0]);
    struct shared *mine = child_mapping(way, fd, name, seg, size);
    notify(ready[1]);
    increment_many(mine, guard, n);
    _exit(0);
  }
  close(ready[1]);
  /* Once the child has its own mapping the name can go (also when the
   * child failed: then the read sees end of file). */
  char c;
  const int opened = read(ready[0], &c, 1) == 1;
  if (strcmp(way, "shm") == 0)
    shm_unlink(name);
  else if (strcmp(way, "file") == 0)
    unlink(name);
  if (!opened)
    die("child");
  increment_many(seg, guard, n);
  int status = wait_child(child);
  printf("expected %ld, actual %ld, child %d\n", 2 * n, seg->count, status);
  if (guard == MUTEX)
    pthread_mutex_destroy(&seg->mutex);
  if (guard == SEM)
    sem_destroy(&seg->sem);
  munmap(seg, size);
  if (fd != -1)
    close(fd);
  return 0;
}
