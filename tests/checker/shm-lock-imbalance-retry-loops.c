// RUN: %shm_tidy --checks=-*,shm-lock-imbalance %s -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CHECK-MESSAGES -implicit-check-not='{{warning|error}}:'
//
// Try-lock functions in the style of portable runtimes: the attempt sits in
// a loop that retries while a signal interrupts it, its result is kept in a
// variable and tested after the loop, and the function's result tells the
// caller whether it now holds the lock. The failure returns hold nothing and
// the success return hands the lock to the caller: no leak anywhere.
#include <errno.h>
#include <semaphore.h>
#include <sys/file.h>
#include <sys/sem.h>

#define BUSY 70025

struct proc_lock {
  int fd;
  int semid;
  sem_t *sem;
  int locked;
};

static struct sembuf op_try = {0, -1, IPC_NOWAIT | SEM_UNDO};
static struct sembuf op_off = {0, 1, SEM_UNDO};

int flock_try(struct proc_lock *l) {
  int rc;
  do {
    rc = flock(l->fd, LOCK_EX | LOCK_NB);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    if (errno == EWOULDBLOCK || errno == EAGAIN)
      return BUSY;
    return errno;
  }
  l->locked = 1;
  return 0;
}

int flock_release(struct proc_lock *l) {
  int rc;
  l->locked = 0;
  do {
    rc = flock(l->fd, LOCK_UN);
  } while (rc < 0 && errno == EINTR);
  return rc < 0 ? errno : 0;
}

int sem_try(struct proc_lock *l) {
  int rc;
  do {
    rc = sem_trywait(l->sem);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    if (errno == EAGAIN)
      return BUSY;
    return errno;
  }
  l->locked = 1;
  return 0;
}

int sysv_try(struct proc_lock *l) {
  int rc;
  do {
    rc = semop(l->semid, &op_try, 1);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    if (errno == EAGAIN)
      return BUSY;
    return errno;
  }
  l->locked = 1;
  return 0;
}

int sysv_release(struct proc_lock *l) {
  int rc;
  l->locked = 0;
  do {
    rc = semop(l->semid, &op_off, 1);
  } while (rc < 0 && errno == EINTR);
  return rc < 0 ? errno : 0;
}

// A caller that uses the try-lock's answer.
int update(struct proc_lock *l, int *counter) {
  if (flock_try(l) != 0)
    return -1;
  ++*counter;
  flock_release(l);
  return 0;
}

// Still a leak: the early return forgets the unlock.
int leaky(struct proc_lock *l, int *counter) {
  if (flock(l->fd, LOCK_EX) != 0)
    return -1;
  if (*counter < 0)
    return -2;
  // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: {{.*}}still held when 'leaky' returns [shm-lock-imbalance]
  // CHECK-MESSAGES: :[[@LINE-5]]:7: note: 'l->fd' acquired here
  ++*counter;
  flock(l->fd, LOCK_UN);
  return 0;
}
