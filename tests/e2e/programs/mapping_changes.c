/* A shared memfd mapping changed in every way an application can change
 * it, each step printing what it sees (the output must be the same with
 * and without the runtime):
 *  1. the object grows from 2 to 4 pages (ftruncate) and so does the
 *     mapping (mremap); the new pages are the object's pages 2-3;
 *  2. the mapping moves (mremap with MREMAP_FIXED onto a reserved spot);
 *  3. page 1 is mapped a second time (mremap with an old size of 0) and
 *     written through that copy;
 *  4. page 1 becomes read-only (mprotect): reading works, writing faults
 *     into the program's own SIGSEGV handler; then writable again;
 *  5. page 0 becomes PROT_NONE (the program's own fault again), then is
 *     unmapped (munmap of part of the mapping);
 *  6. a child, forked then, writes the object's byte 0x3008 through its
 *     inherited mapping.
 *
 * Usage: mapping_changes clean|race
 * With "race" the parent writes byte 0x3008 too, while the child runs:
 * the race must be reported at object offset 0x3008. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>

#include "posix_util.h"

#define PAGE 4096

static sigjmp_buf g_fault;

static void on_fault(int sig) {
  (void)sig;
  siglongjmp(g_fault, 1);
}

static void *remap(void *old, size_t old_size, size_t new_size, int flags,
                   void *at) {
  void *p = mremap(old, old_size, new_size, flags, at);
  if (p == MAP_FAILED)
    die("mremap");
  return p;
}

int main(int argc, char **argv) {
  const int race = argc > 1 && strcmp(argv[1], "race") == 0;
  int fd = new_memfd("changes", 2 * PAGE);
  char *first = map_shared(fd, 2 * PAGE, 0);
  first[0x10] = 'a';
  first[PAGE + 0x10] = 'b';

  /* 1. */
  if (ftruncate(fd, 4 * PAGE) != 0)
    die("ftruncate");
  char *grown = remap(first, 2 * PAGE, 4 * PAGE, MREMAP_MAYMOVE, NULL);
  grown[3 * PAGE + 8] = 'd';
  printf("grown: %c %c %c\n", grown[0x10], grown[PAGE + 0x10], grown[3 * PAGE + 8]);

  /* 2. */
  char *spot = mmap(NULL, 4 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (spot == MAP_FAILED)
    die("mmap");
  char *moved = remap(grown, 4 * PAGE, 4 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, spot);
  printf("moved: %c %c %s\n", moved[0x10], moved[3 * PAGE + 8],
         moved == spot ? "to the spot" : "elsewhere");

  /* 3. */
  char *copy = remap(moved + PAGE, 0, PAGE, MREMAP_MAYMOVE, NULL);
  copy[0x20] = 'c';
  printf("copy: %c %c\n", copy[0x10], moved[PAGE + 0x20]);
  if (munmap(copy, PAGE) != 0)
    die("munmap");

  /* 4. */
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_fault;
  sigemptyset(&action.sa_mask);
  if (sigaction(SIGSEGV, &action, NULL) != 0)
    die("sigaction");
  if (mprotect(moved + PAGE, PAGE, PROT_READ) != 0)
    die("mprotect");
  printf("read-only: %c", moved[PAGE + 0x10]);
  if (sigsetjmp(g_fault, 1) == 0) {
    moved[PAGE + 0x10] = 'x';
    printf(", written\n");
  } else {
    printf(", write refused\n");
  }
  if (mprotect(moved + PAGE, PAGE, PROT_READ | PROT_WRITE) != 0)
    die("mprotect");
  moved[PAGE + 0x10] = 'B';

  /* 5. */
  if (mprotect(moved, PAGE, PROT_NONE) != 0)
    die("mprotect");
  if (sigsetjmp(g_fault, 1) == 0) {
    volatile char seen = moved[0x10];
    printf("inaccessible page read: %c\n", seen);
  } else {
    printf("inaccessible page refused\n");
  }
  signal(SIGSEGV, SIG_DFL);
  if (munmap(moved, PAGE) != 0)
    die("munmap");
  char *rest = moved + PAGE; /* the object's pages 1-3 */
  printf("rest: %c %c %c\n", rest[0x10], rest[0x20], rest[2 * PAGE + 8]);

  /* 6. */
  pid_t child = fork_or_die();
  if (child == 0) {
    rest[2 * PAGE + 8] = 'e'; /* the child's write, object offset 0x3008 */
    _exit(0);
  }
  if (race)
    rest[2 * PAGE + 8] = 'f'; /* the parent's write, unordered with the child's */
  int status = wait_child(child);
  printf("child %d, byte %c\n", status, race ? '?' : rest[2 * PAGE + 8]);
  munmap(rest, 3 * PAGE);
  close(fd);
  return 0;
}
