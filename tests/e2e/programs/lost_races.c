/* Races that must not be lost when a process ends or unmaps first.
 *
 *   lost_races unreaped_counter N  parent and child both increment a
 *                                  counter; nobody reaps the child;
 *   lost_races unreaped_reader     the parent writes while its child reads;
 *                                  nobody reaps the child;
 *   lost_races memfd_remap         a memfd made before fork: the child maps
 *                                  it, writes and unmaps; later the parent
 *                                  maps it and writes. Nothing orders them.
 * Each is reported. */
#define _GNU_SOURCE
#include <sys/mman.h>

#include "e2e_util.h"

struct shared {
  long counter;
  long value;
};

static void unreaped_counter(long n) {
  struct shared *seg = new_segment(sizeof *seg, NULL);
  if (fork_or_die() == 0) {
    usleep(100 * 1000); /* the parent is usually gone by now */
    for (long i = 0; i < n; ++i)
      seg->counter++; /* the child's increment */
    _exit(0);
  }
  for (long i = 0; i < n; ++i)
    seg->counter++; /* the parent's increment */
  printf("unreaped_counter: done\n");
}

static void unreaped_reader(void) {
  struct shared *seg = new_segment(sizeof *seg, NULL);
  if (fork_or_die() == 0) {
    usleep(100 * 1000);
    long seen = seg->value; /* the child's read */
    _exit(seen == 12345 ? 0 : 0);
  }
  seg->value = 42; /* the parent's write */
  printf("unreaped_reader: done\n");
}

static void memfd_remap(void) {
  int fd = memfd_create("remap", 0);
  if (fd < 0 || ftruncate(fd, 4096) != 0)
    die("memfd");
  pid_t child = fork_or_die();
  if (child == 0) {
    struct shared *seg = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (seg == MAP_FAILED)
      _exit(1);
    seg->value = 1; /* the child's write, then unmapped */
    munmap(seg, 4096);
    _exit(0);
  }
  usleep(300 * 1000);
  struct shared *seg = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (seg == MAP_FAILED)
    die("mmap");
  seg->value = 2; /* the parent's write, mapped later */
  int status = wait_child(child);
  printf("memfd_remap: child %d\n", status == 66 ? 0 : status);
}

int main(int argc, char **argv) {
  const char *what = argc > 1 ? argv[1] : "";
  if (strcmp(what, "unreaped_counter") == 0)
    unreaped_counter(arg_long(argc, argv, 2, 200));
  else if (strcmp(what, "unreaped_reader") == 0)
    unreaped_reader();
  else if (strcmp(what, "memfd_remap") == 0)
    memfd_remap();
  else
    die("usage: lost_races unreaped_counter|unreaped_reader|memfd_remap");
  return 0;
}
