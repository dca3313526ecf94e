/* The seed race fixed with a System V semaphore used as a binary lock.
 *
 * P (sem_op = -1) before the increment, V (sem_op = +1) after it: only one
 * process is inside the critical section at a time, so the final count is
 * exactly 2*N and neither shm-tidy nor libshmcheck.so reports anything.
 *
 * Usage: counter_semop [N]   (default 20000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

struct shared_counter {
  long count;
};

/* semctl's fourth argument must be defined by the caller (see semctl(2)). */
union semun {
  int val;
  struct semid_ds *buf;
  unsigned short *array;
};

static int lock_sem(int semid) {
  struct sembuf p = {.sem_num = 0, .sem_op = -1, .sem_flg = 0};
  return semop(semid, &p, 1);
}

static int unlock_sem(int semid) {
  struct sembuf v = {.sem_num = 0, .sem_op = 1, .sem_flg = 0};
  return semop(semid, &v, 1);
}

static void increment_many(struct shared_counter *seg, int semid, long n) {
  for (long i = 0; i < n; ++i) {
    if (lock_sem(semid) == -1) {
      perror("semop P");
      return;
    }
    seg->count++;
    unlock_sem(semid);
  }
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 20000;
  int rc = 1;

  int semid = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
  if (semid == -1) {
    perror("semget");
    return 1;
  }
  union semun init = {.val = 1};
  if (semctl(semid, 0, SETVAL, init) == -1) {
    perror("semctl SETVAL");
    goto remove_sem;
  }

  int shmid = shmget(IPC_PRIVATE, sizeof(struct shared_counter), IPC_CREAT | 0600);
  if (shmid == -1) {
    perror("shmget");
    goto remove_sem;
  }
  struct shared_counter *seg = shmat(shmid, NULL, 0);
  shmctl(shmid, IPC_RMID, NULL); /* freed once the last process detaches */
  if (seg == (void *)-1) {
    perror("shmat");
    goto remove_sem;
  }
  seg->count = 0;

  pid_t child = fork();
  if (child == -1) {
    perror("fork");
    shmdt(seg);
    goto remove_sem;
  }
  increment_many(seg, semid, n);
  if (child == 0) {
    shmdt(seg);
    _exit(0);
  }

  waitpid(child, NULL, 0);
  printf("expected %ld, actual %ld\n", 2 * n, seg->count);
  shmdt(seg);
  rc = 0;

remove_sem:
  semctl(semid, 0, IPC_RMID);
  return rc;
}
