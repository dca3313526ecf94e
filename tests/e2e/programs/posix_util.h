/* Helpers for the end-to-end programs that share memory the POSIX ways:
 * shm_open objects, memfds, MAP_SHARED|MAP_ANONYMOUS regions and shared
 * file mappings.
 *
 * Named objects carry the run's token (test_name), so the driver finds and
 * removes them if a program dies first; the programs unlink them as soon as
 * every process has opened them, so that nothing is left even when a
 * program fails later.
 *
 * Programs define _GNU_SOURCE before any include (memfd_create, mremap). */
#ifndef SHMCHECK_E2E_POSIX_UTIL_H
#define SHMCHECK_E2E_POSIX_UTIL_H

#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "e2e_util.h"

/* Names removed when the program exits, also through die(), so that what a
 * failing program created is gone before the driver looks (a name the
 * program already removed is simply not found again). */
enum { REMOVE_SHM, REMOVE_FILE, REMOVE_NOW };

static inline void removal(int what, const char *name) {
  static char shm_name[128];
  static char file_name[256];
  if (what == REMOVE_NOW) {
    if (shm_name[0] != '\0')
      shm_unlink(shm_name);
    if (file_name[0] != '\0')
      unlink(file_name);
    return;
  }
  char *slot = what == REMOVE_SHM ? shm_name : file_name;
  size_t size = what == REMOVE_SHM ? sizeof shm_name : sizeof file_name;
  snprintf(slot, size, "%s", name);
}

static inline void remove_registered_names(void) { removal(REMOVE_NOW, NULL); }

static inline void remove_at_exit(int what, const char *name) {
  static int registered;
  removal(what, name);
  if (!registered && atexit(remove_registered_names) == 0)
    registered = 1;
}

/* A new shm_open object of `size` bytes under the run's name for `what`
 * (written to name[]), removed at exit at the latest; returns its
 * descriptor. */
static inline int new_shm_object(const char *what, size_t size, char *name,
                                 size_t name_size) {
  test_name(name, name_size, what);
  int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
  if (fd == -1)
    die("shm_open");
  remove_at_exit(REMOVE_SHM, name);
  if (ftruncate(fd, (off_t)size) != 0)
    die("ftruncate");
  return fd;
}

/* A new memfd of `size` bytes. */
static inline int new_memfd(const char *name, size_t size) {
  int fd = memfd_create(name, MFD_CLOEXEC);
  if (fd == -1)
    die("memfd_create");
  if (ftruncate(fd, (off_t)size) != 0)
    die("ftruncate");
  return fd;
}

/* A MAP_SHARED, read-write mapping of `length` bytes of `fd` from `offset`. */
static inline void *map_shared(int fd, size_t length, off_t offset) {
  void *p = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);
  if (p == MAP_FAILED)
    die("mmap");
  return p;
}

/* A MAP_SHARED|MAP_ANONYMOUS region: shared with the children forked
 * after it is made. */
static inline void *new_anonymous_shared(size_t length) {
  void *p = mmap(NULL, length, PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    die("mmap");
  return p;
}

static inline void init_shared_mutex(pthread_mutex_t *m) {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  if (pthread_mutex_init(m, &attr) != 0)
    die("pthread_mutex_init");
  pthread_mutexattr_destroy(&attr);
}

/* A one-byte message through a pipe: "the other side may go on". It orders
 * nothing for the checker (pipes are not synchronization it models), so it
 * only sequences setup (open before unlink), never the accesses under
 * test. */
static inline void notify(int fd) {
  char c = 1;
  if (write(fd, &c, 1) != 1)
    die("write");
}

static inline void await(int fd) {
  char c;
  if (read(fd, &c, 1) != 1)
    die("read");
}

#endif
