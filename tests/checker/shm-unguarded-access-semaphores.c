// RUN: %shm_tidy --checks=-*,shm-unguarded-access %s -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CHECK-MESSAGES -implicit-check-not='{{warning|error}}:'
//
// Semaphores as locks: POSIX (named and unnamed) with sem_wait, sem_timedwait,
// sem_trywait on its success branch, sem_post; System V semop whose struct
// sembuf is known in the function (initializer, array, assigned fields,
// compound literal, IPC_NOWAIT); wrappers P()/V() and a sem_op passed in.
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct ledger {
  sem_t guard;
  long entries;
  long rejected;
  long total;
};

static sem_t *named;
static int semid;

static void posix_unnamed(struct ledger *l) {
  sem_wait(&l->guard);
  l->entries++;
  sem_post(&l->guard);
  l->entries++;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: read-modify-write of shared memory 'l->entries' without holding a lock [shm-unguarded-access]
}

static void posix_named(struct ledger *l, const struct timespec *deadline) {
  if (sem_timedwait(named, deadline) == -1)
    return;
  l->total += 2;
  sem_post(named);
  if (sem_trywait(named) == 0) {
    l->total++;
    sem_post(named);
  } else {
    l->rejected++;
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: read-modify-write of shared memory 'l->rejected' without holding a lock [shm-unguarded-access]
  }
  while (sem_trywait(named) != 0)
    ;
  l->total++;
  sem_post(named);
}

static void semop_forms(struct ledger *l) {
  struct sembuf lock = {0, -1, SEM_UNDO};
  struct sembuf unlock = {.sem_num = 0, .sem_op = 1, .sem_flg = SEM_UNDO};
  semop(semid, &lock, 1);
  l->total++;
  semop(semid, &unlock, 1);

  struct sembuf both[2] = {{0, -1, 0}, {1, -1, 0}};
  semop(semid, both, 2);
  l->total++;
  semop(semid, (struct sembuf[]){{0, 1, 0}, {1, 1, 0}}, 2);
  l->total++;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: read-modify-write of shared memory 'l->total' without holding a lock [shm-unguarded-access]

  struct sembuf op;
  op.sem_num = 1;
  op.sem_op = -1;
  op.sem_flg = 0;
  semop(semid, &op, 1);
  l->entries--;
  op.sem_op = 1;
  semop(semid, &op, 1);

  struct sembuf attempt = {0, -1, IPC_NOWAIT};
  if (semop(semid, &attempt, 1) == 0) {
    l->entries--;
    semop(semid, &unlock, 1);
  } else {
    l->rejected--;
    // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: read-modify-write of shared memory 'l->rejected' without holding a lock [shm-unguarded-access]
  }
}

static int P(int set) {
  struct sembuf p = {0, -1, SEM_UNDO};
  return semop(set, &p, 1);
}

static int V(int set) {
  struct sembuf v = {0, +1, SEM_UNDO};
  return semop(set, &v, 1);
}

static int change(int set, int delta) {
  struct sembuf op = {0, delta, 0};
  return semop(set, &op, 1);
}

static void wrappers(struct ledger *l) {
  if (P(semid) == -1)
    return;
  l->entries += 10;
  V(semid);
  change(semid, -1);
  l->entries -= 10;
  change(semid, 1);
  l->entries = 0;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: write to shared memory 'l->entries' without holding a lock [shm-unguarded-access]
}

int main(void) {
  int id = shmget(IPC_PRIVATE, sizeof(struct ledger), IPC_CREAT | 0600);
  struct ledger *l = shmat(id, NULL, 0);
  shmctl(id, IPC_RMID, NULL);
  if (l == (void *)-1)
    return 1;
  semid = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
  named = sem_open("/shmcheck-ledger", O_CREAT, 0600, 1);
  sem_init(&l->guard, 1, 1);
  pid_t child = fork();
  struct timespec deadline = {0, 0};
  posix_unnamed(l);
  posix_named(l, &deadline);
  semop_forms(l);
  wrappers(l);
  if (child == 0)
    _exit(0);
  waitpid(child, NULL, 0);
  semctl(semid, 0, IPC_RMID);
  sem_unlink("/shmcheck-ledger");
  return (int)l->total;
}
