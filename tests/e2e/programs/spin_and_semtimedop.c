/* Two more ways to guard a counter between two processes: a process-shared
 * spinlock in the segment, and a System V semaphore taken with semtimedop
 * whose operation array and timeout live in the segment too. Exact counts,
 * no report. */
#define _GNU_SOURCE /* semtimedop */
#include <pthread.h>
#include <sys/sem.h>
#include <time.h>

#include "e2e_util.h"

struct shared {
  pthread_spinlock_t spin;
  long spin_count;
  long sem_count;
  struct sembuf p_op[2];  /* one per process: each uses its own */
  struct sembuf v_op[2];
  struct timespec timeout;
};

int main(int argc, char **argv) {
  long n = arg_long(argc, argv, 1, 500);
  struct shared *seg = new_segment(sizeof *seg, NULL);
  if (pthread_spin_init(&seg->spin, PTHREAD_PROCESS_SHARED) != 0)
    die("pthread_spin_init");
  int semid = semget(test_key(2), 1, IPC_CREAT | IPC_EXCL | 0600);
  if (semid == -1)
    die("semget");
  if (semctl(semid, 0, SETVAL, 1) == -1)
    die("semctl");
  for (int p = 0; p < 2; ++p) {
    seg->p_op[p] = (struct sembuf){.sem_num = 0, .sem_op = -1, .sem_flg = 0};
    seg->v_op[p] = (struct sembuf){.sem_num = 0, .sem_op = 1, .sem_flg = 0};
  }
  seg->timeout.tv_sec = 30;
  pid_t child = fork_or_die();
  const int me = child == 0 ? 1 : 0;
  for (long i = 0; i < n; ++i) {
    pthread_spin_lock(&seg->spin);
    seg->spin_count++;
    pthread_spin_unlock(&seg->spin);
    if (semtimedop(semid, &seg->p_op[me], 1, &seg->timeout) != 0)
      die("semtimedop");
    seg->sem_count++;
    semop(semid, &seg->v_op[me], 1);
  }
  if (child == 0) {
    shmdt(seg);
    _exit(0);
  }
  wait_child(child);
  printf("spin %ld, sem %ld, expected %ld\n", seg->spin_count, seg->sem_count,
         2 * n);
  semctl(semid, 0, IPC_RMID);
  pthread_spin_destroy(&seg->spin);
  shmdt(seg);
  return 0;
}
