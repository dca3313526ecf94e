// RUN: %shm_tidy --checks=-*,shm-unguarded-access %s -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CHECK-MESSAGES -implicit-check-not='{{warning|error}}:'
//
// Every way besides System V that processes come to share memory:
// shm_open + mmap(MAP_SHARED), memfd_create + mmap, MAP_SHARED|MAP_ANONYMOUS
// before fork, and open() of a file under /dev/shm. Private mappings and
// shared mappings of ordinary files are not shared memory for this check.
#define _GNU_SOURCE
#include <fcntl.h>
#include <semaphore.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

struct stats {
  sem_t lock;
  long requests;
  long errors;
};

static int open_segment(const char *name) {
  int fd = shm_open(name, O_CREAT | O_RDWR, 0600);
  if (fd >= 0 && ftruncate(fd, sizeof(struct stats)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static struct stats *map_fd(int fd) {
  void *p = mmap(NULL, sizeof(struct stats), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  return p == MAP_FAILED ? NULL : p;
}

static struct stats *posix_stats(void) { return map_fd(open_segment("/shmcheck-posix-fixture")); }

static struct stats *memfd_stats(void) {
  int fd = memfd_create("stats", 0);
  if (fd < 0 || ftruncate(fd, sizeof(struct stats)) != 0)
    return NULL;
  struct stats *s = mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  return s == MAP_FAILED ? NULL : s;
}

static struct stats *anonymous_stats(void) {
  void *p = mmap(NULL, sizeof(struct stats), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

static struct stats *dev_shm_stats(void) {
  int fd = open("/dev/shm/shmcheck-fixture", O_CREAT | O_RDWR, 0600);
  return map_fd(fd);
}

// Not shared with other processes: copy-on-write private mappings, and a
// file mapped shared (which is file I/O, not memory the program shares).
static struct stats *private_stats(void) {
  void *p = mmap(NULL, sizeof(struct stats), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

static struct stats *file_stats(void) {
  int fd = open("stats.bin", O_RDWR);
  void *p = mmap(NULL, sizeof(struct stats), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  return p == MAP_FAILED ? NULL : p;
}

static void count(struct stats *posix, struct stats *memfd, struct stats *anon, struct stats *devshm,
                  struct stats *priv, struct stats *file) {
  posix->requests++;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: read-modify-write of shared memory 'posix->requests' without holding a lock [shm-unguarded-access]
  memfd->requests++;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: read-modify-write of shared memory 'memfd->requests' without holding a lock [shm-unguarded-access]
  anon->requests++;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: read-modify-write of shared memory 'anon->requests' without holding a lock [shm-unguarded-access]
  devshm->requests++;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: read-modify-write of shared memory 'devshm->requests' without holding a lock [shm-unguarded-access]
  priv->requests++;
  file->requests++;
}

// The guarded twin: the process-shared semaphore in each segment.
static void count_locked(struct stats *s) {
  sem_wait(&s->lock);
  s->errors++;
  sem_post(&s->lock);
}

int main(void) {
  struct stats *posix = posix_stats(), *memfd = memfd_stats(), *anon = anonymous_stats();
  struct stats *devshm = dev_shm_stats(), *priv = private_stats(), *file = file_stats();
  if (!posix || !memfd || !anon || !devshm || !priv || !file)
    return 1;
  sem_init(&posix->lock, 1, 1);
  pid_t child = fork();
  count(posix, memfd, anon, devshm, priv, file);
  count_locked(posix);
  count_locked(memfd);
  count_locked(anon);
  if (child == 0)
    _exit(0);
  waitpid(child, NULL, 0);
  shm_unlink("/shmcheck-posix-fixture");
  return 0;
}
