// RUN: %shm_tidy --checks=-*,shm-unguarded-access %s -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CHECK-MESSAGES -implicit-check-not='{{warning|error}}:'
//
// A lock orders two processes only if both take the same lock object and
// the object is shared between them. Private to each process: a global
// mutex, a process-shared mutex in malloc'd memory (each process has its own
// copy after fork), a mutex in the segment initialised process-private, a
// flock on a descriptor opened before fork. Shared: a process-shared mutex in
// the segment, a named semaphore, lockf/fcntl record locks, flock on a file
// each process opens itself.
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

struct counters {
  pthread_mutex_t shared_lock;
  pthread_mutex_t private_lock;
  sem_t private_sem;
  long a, b, c, d, e, f, g, h, i, j, k;
};

static pthread_mutex_t global_lock = PTHREAD_MUTEX_INITIALIZER;
struct boxed {
  pthread_mutex_t m;
};
static struct boxed *heap_box;
static int inherited_fd;
static sem_t *named;

static void lock_it(pthread_mutex_t *m) { pthread_mutex_lock(m); }
static void unlock_it(pthread_mutex_t *m) { pthread_mutex_unlock(m); }

static void work(struct counters *s) {
  pthread_mutex_lock(&global_lock);
  s->a++;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: read-modify-write of shared memory 's->a' guarded only by 'global_lock', which does not exclude other processes [shm-unguarded-access]
  // CHECK-MESSAGES: :27:24: note: 'global_lock' is private to each process: it is not in shared memory
  pthread_mutex_unlock(&global_lock);

  pthread_mutex_lock(&heap_box->m);
  s->b++;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: read-modify-write of shared memory 's->b' guarded only by 'heap_box->m', which does not exclude other processes [shm-unguarded-access]
  // CHECK-MESSAGES: :110:14: note: 'heap_box->m' is private to each process: it is not in shared memory
  pthread_mutex_unlock(&heap_box->m);

  flock(inherited_fd, LOCK_EX);
  s->c++;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: read-modify-write of shared memory 's->c' guarded only by 'inherited_fd', which does not exclude other processes [shm-unguarded-access]
  // CHECK-MESSAGES: :112:18: note: 'inherited_fd' is one open file description that every process forked after this shares: flock on it excludes nothing between them
  flock(inherited_fd, LOCK_UN);

  pthread_mutex_lock(&s->private_lock);
  s->d++;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: read-modify-write of shared memory 's->d' guarded only by 's->private_lock', which does not exclude other processes [shm-unguarded-access]
  // CHECK-MESSAGES: :108:3: note: 's->private_lock' is private to each process: it is not process-shared
  pthread_mutex_unlock(&s->private_lock);

  sem_wait(&s->private_sem);
  s->e++;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: read-modify-write of shared memory 's->e' guarded only by 's->private_sem', which does not exclude other processes [shm-unguarded-access]
  // CHECK-MESSAGES: :109:3: note: 's->private_sem' is private to each process: it is not process-shared
  sem_post(&s->private_sem);

  // Through a wrapper: the lock is the caller's argument.
  lock_it(&global_lock);
  s->f++;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: read-modify-write of shared memory 's->f' guarded only by 'global_lock', which does not exclude other processes [shm-unguarded-access]
  // CHECK-MESSAGES: :27:24: note: 'global_lock' is private to each process: it is not in shared memory
  unlock_it(&global_lock);

  // Shared between the processes: no warning.
  pthread_mutex_lock(&s->shared_lock);
  s->g++;
  pthread_mutex_unlock(&s->shared_lock);

  int own = open("/tmp/counters.lock", O_RDWR | O_CREAT, 0600);
  flock(own, LOCK_EX);
  s->h++;
  flock(own, LOCK_UN);
  close(own);

  struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
  fcntl(inherited_fd, F_SETLKW, &fl);
  s->i++;
  fl.l_type = F_UNLCK;
  fcntl(inherited_fd, F_SETLK, &fl);

  lockf(inherited_fd, F_LOCK, 0);
  s->j++;
  lockf(inherited_fd, F_ULOCK, 0);

  sem_wait(named);
  s->k++;
  sem_post(named);
}

int main(void) {
  struct counters *s = mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  pthread_mutex_init(&s->shared_lock, &attr);
  pthread_mutex_init(&s->private_lock, NULL);
  sem_init(&s->private_sem, 0, 1);
  heap_box = malloc(sizeof *heap_box);
  pthread_mutex_init(&heap_box->m, &attr);
  inherited_fd = open("/tmp/counters.lock", O_RDWR | O_CREAT, 0600);
  named = sem_open("/counters", O_CREAT, 0600, 1);
  for (int n = 0; n < 4; ++n)
    if (fork() == 0) {
      work(s);
      _exit(0);
    }
  while (wait(NULL) > 0)
    ;
  return 0;
}
