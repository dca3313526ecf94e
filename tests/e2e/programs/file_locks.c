/* Two processes increment a counter in a segment under a file lock.
 *
 *   file_locks KIND sync N   each process takes the lock properly: no report;
 *   file_locks KIND racy N   the lock excludes nothing (see below): reported.
 *
 * KIND:
 *   fcntl  F_SETLKW write lock of byte 8; racy: each process locks a byte
 *          of its own;
 *   fcntl_close  the same lock taken through a descriptor opened for it and
 *          dropped by closing that descriptor (closing any descriptor of
 *          the file ends the process's record locks on it);
 *   lockf  F_LOCK of 4 bytes at offset 100; racy: different offsets;
 *   flock  LOCK_EX on a descriptor each process opened itself; racy: on the
 *          descriptor opened before fork (one open file description, which
 *          both processes hold: flock excludes nothing between them);
 *   ofd    F_OFD_SETLKW of the whole file, each process with its own open;
 *          racy: the shared description, as for flock. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/file.h>

#include "e2e_util.h"

struct shared {
  long counter;
};

static char path[160];
static int lock_fd = -1; /* fcntl_close: the descriptor the lock was taken through */

static int open_file(void) {
  int fd = open(path, O_RDWR);
  if (fd < 0)
    die("open");
  return fd;
}

static void record_lock(int fd, int cmd, short type, off_t start, off_t length) {
  struct flock lock = {.l_type = type, .l_whence = SEEK_SET, .l_start = start,
                       .l_len = length};
  if (fcntl(fd, cmd, &lock) != 0)
    die("fcntl");
}

static void lock(const char *kind, int fd, int racy, int who) {
  if (strcmp(kind, "fcntl") == 0) {
    record_lock(fd, F_SETLKW, F_WRLCK, racy ? 8 + who : 8, 1);
  } else if (strcmp(kind, "fcntl_close") == 0) {
    lock_fd = open_file();
    record_lock(lock_fd, F_SETLKW, F_WRLCK, racy ? 8 + who : 8, 1);
  } else if (strcmp(kind, "lockf") == 0) {
    if (lseek(fd, racy ? 100 + 4 * who : 100, SEEK_SET) < 0 || lockf(fd, F_LOCK, 4) != 0)
      die("lockf");
  } else if (strcmp(kind, "flock") == 0) {
    if (flock(fd, LOCK_EX) != 0)
      die("flock");
  } else {
    record_lock(fd, F_OFD_SETLKW, F_WRLCK, 0, 0);
  }
}

static void unlock(const char *kind, int fd, int racy, int who) {
  if (strcmp(kind, "fcntl") == 0) {
    record_lock(fd, F_SETLK, F_UNLCK, racy ? 8 + who : 8, 1);
  } else if (strcmp(kind, "fcntl_close") == 0) {
    close(lock_fd);
  } else if (strcmp(kind, "lockf") == 0) {
    if (lseek(fd, racy ? 100 + 4 * who : 100, SEEK_SET) < 0 || lockf(fd, F_ULOCK, 4) != 0)
      die("lockf");
  } else if (strcmp(kind, "flock") == 0) {
    if (flock(fd, LOCK_UN) != 0)
      die("flock");
  } else {
    record_lock(fd, F_OFD_SETLK, F_UNLCK, 0, 0);
  }
}

static void increments(struct shared *seg, const char *kind, int fd, int racy, int who,
                       long n) {
  for (long i = 0; i < n; ++i) {
    lock(kind, fd, racy, who);
    seg->counter++; /* the increment under the file lock */
    unlock(kind, fd, racy, who);
  }
}

int main(int argc, char **argv) {
  if (argc < 3)
    die("usage: file_locks KIND sync|racy [N]");
  const char *kind = argv[1];
  const int racy = strcmp(argv[2], "racy") == 0;
  const long n = arg_long(argc, argv, 3, 200);
  char name[96];
  test_name(name, sizeof name, "lockfile");
  snprintf(path, sizeof path, "/tmp%s", name);
  int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
  if (fd < 0)
    die("create");
  if (ftruncate(fd, 4096) != 0)
    die("ftruncate");
  struct shared *seg = new_segment(sizeof *seg, NULL);
  /* Description locks shared across fork exclude nothing: the racy twins
   * use the descriptor opened here. lockf() locks from the description's
   * offset, which racy twins (seeking to different places) would move under
   * each other's feet, and then deadlock: they open their own. */
  const int own_open = racy ? strcmp(kind, "lockf") == 0
                            : (strcmp(kind, "flock") == 0 || strcmp(kind, "ofd") == 0);
  pid_t child = fork_or_die();
  if (child == 0) {
    increments(seg, kind, own_open ? open_file() : fd, racy, 1, n);
    _exit(0);
  }
  increments(seg, kind, own_open ? open_file() : fd, racy, 0, n);
  int status = wait_child(child);
  unlink(path);
  printf("%s: expected %ld, %s, child %d\n", kind, 2 * n,
         seg->counter == 2 * n ? "all counted" : "some lost", status == 66 ? 0 : status);
  return 0;
}
