/* Two processes map different, overlapping parts of one shm object: the
 * parent maps pages 1-2 (from object offset 0x1000), the child, after
 * fork, opens the object by name and maps pages 2-3 (from 0x2000). Each
 * increments the counter at object offset 0x2040 through its own mapping,
 * at a different offset in each mapping (0x1040 and 0x40): the same bytes
 * of the object, which is what the report must name (offset 0x2040).
 *
 * Usage: partial_mappings race|mutex [N]
 * With "mutex", a process-shared mutex at object offset 0x2000 guards the
 * counter: no race. */
#define _GNU_SOURCE
#include "posix_util.h"

#define PAGE 4096
#define OBJECT_SIZE (4 * PAGE)
#define MUTEX_AT 0x2000
#define COUNTER_AT 0x2040

static void increment_many(char *page_two, int guarded, long n) {
  pthread_mutex_t *mutex = (pthread_mutex_t *)(page_two + (MUTEX_AT - 2 * PAGE));
  long *counter = (long *)(page_two + (COUNTER_AT - 2 * PAGE));
  for (long i = 0; i < n; ++i) {
    if (guarded && pthread_mutex_lock(mutex) != 0)
      die("pthread_mutex_lock");
    *counter += 1; /* the counter, at object offset 0x2040 */
    if (guarded)
      pthread_mutex_unlock(mutex);
  }
}

int main(int argc, char **argv) {
  const int guarded = argc > 1 && strcmp(argv[1], "mutex") == 0;
  const long n = arg_long(argc, argv, 2, 200);
  char name[128];
  int fd = new_shm_object("partial", OBJECT_SIZE, name, sizeof name);
  char *pages_1_2 = map_shared(fd, 2 * PAGE, PAGE);
  close(fd);
  char *page_two = pages_1_2 + PAGE;
  if (guarded)
    init_shared_mutex((pthread_mutex_t *)(page_two + (MUTEX_AT - 2 * PAGE)));

  int ready[2];
  if (pipe(ready) != 0)
    die("pipe");
  pid_t child = fork_or_die();
  if (child == 0) {
    close(ready[0]);
    int own = shm_open(name, O_RDWR, 0);
    if (own == -1)
      die("shm_open");
    char *pages_2_3 = map_shared(own, 2 * PAGE, 2 * PAGE);
    close(own);
    munmap(pages_1_2, 2 * PAGE);
    notify(ready[1]);
    increment_many(pages_2_3, guarded, n);
    _exit(0);
  }
  close(ready[1]);
  char c;
  const int opened = read(ready[0], &c, 1) == 1;
  shm_unlink(name);
  if (!opened)
    die("child");
  increment_many(page_two, guarded, n);
  int status = wait_child(child);
  printf("expected %ld, actual %ld, child %d\n", 2 * n,
         *(long *)(page_two + (COUNTER_AT - 2 * PAGE)), status);
  munmap(pages_1_2, 2 * PAGE);
  return 0;
}
