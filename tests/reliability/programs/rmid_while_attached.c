/* A segment removed (IPC_RMID) while other processes still use it, and a
 * new segment created under the same key right after.
 *
 * Three workers attach the first segment by key and increment its counter
 * under a process-shared mutex. Once all are attached the parent removes
 * the segment: the workers go on using it (it lives until the last detach).
 * The parent then creates a second segment with the same key; the workers
 * attach it too and increment its counter under its own mutex. The kernel
 * reuses addresses and the runtime reuses table entries, but the two
 * segments must never be confused: no report in the clean case, exact
 * counts, and nothing of either left behind.
 *
 *   clean  as above;
 *   race   in addition, two workers write one word of the removed segment
 *          without synchronization: still reported.
 *
 * Usage: rmid_while_attached clean|race N */
#include <pthread.h>
#include <sys/sem.h>

#include "e2e_util.h"

#define WORKERS 3

struct shared {
  pthread_mutex_t lock;
  long count;
  long done;        /* workers finished with this segment */
  long first_exact; /* in the second segment: the first one's count was */
  long unordered;
};

static void init_mutex(pthread_mutex_t *m) {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  pthread_mutex_init(m, &attr);
  pthread_mutexattr_destroy(&attr);
}

static void increment(struct shared *s, long n) {
  for (long i = 0; i < n; ++i) {
    pthread_mutex_lock(&s->lock);
    s->count++;
    pthread_mutex_unlock(&s->lock);
  }
}

/* Semaphore 0: a worker attached a segment; 1: the second segment
 * exists. */
static void sem_change(int semid, int num, int delta) {
  struct sembuf op = {(unsigned short)num, (short)delta, 0};
  if (semop(semid, &op, 1) != 0)
    die("semop");
}

static struct shared *attach_key(key_t key) {
  int id = shmget(key, 0, 0);
  if (id == -1)
    die("shmget by key");
  struct shared *s = shmat(id, NULL, 0);
  if (s == (void *)-1)
    die("shmat");
  return s;
}

static int worker(int index, int race, long n, int semid) {
  struct shared *first = attach_key(test_key(1));
  sem_change(semid, 0, 1);
  increment(first, n);
  sem_change(semid, 1, -1); /* wait for the second segment */
  struct shared *second = attach_key(test_key(1));
  sem_change(semid, 0, 1);
  if (second == first)
    return 3; /* both attached: addresses cannot coincide */
  increment(second, n);
  increment(first, n); /* the removed one is still there */
  pthread_mutex_lock(&first->lock);
  int last = ++first->done == WORKERS;
  long total = first->count;
  pthread_mutex_unlock(&first->lock);
  if (last) {
    pthread_mutex_lock(&second->lock);
    second->first_exact = total == 2 * WORKERS * n;
    pthread_mutex_unlock(&second->lock);
  }
  if (race && index < 2)
    first->unordered = index; /* the race, on the removed segment */
  shmdt(second);
  shmdt(first);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 3)
    die("usage: rmid_while_attached clean|race N");
  int race = strcmp(argv[1], "race") == 0;
  long n = arg_long(argc, argv, 2, 500);
  int semid = semget(test_key(0), 2, IPC_CREAT | IPC_EXCL | 0600);
  if (semid == -1)
    die("semget");
  int first_id = shmget(test_key(1), sizeof(struct shared), IPC_CREAT | IPC_EXCL | 0600);
  if (first_id == -1) {
    semctl(semid, 0, IPC_RMID);
    die("shmget");
  }
  struct shared *first = shmat(first_id, NULL, 0);
  if (first == (void *)-1)
    die("shmat");
  init_mutex(&first->lock);
  shmdt(first);

  pid_t workers[WORKERS];
  for (int i = 0; i < WORKERS; ++i) {
    fflush(stdout);
    workers[i] = fork_or_die();
    if (workers[i] == 0)
      _exit(worker(i, race, n, semid));
  }
  sem_change(semid, 0, -WORKERS); /* all attached */
  shmctl(first_id, IPC_RMID, NULL); /* removed while they use it */
  int second_id = shmget(test_key(1), sizeof(struct shared), IPC_CREAT | IPC_EXCL | 0600);
  if (second_id == -1)
    die("shmget of the second segment");
  struct shared *second = shmat(second_id, NULL, 0);
  if (second == (void *)-1)
    die("shmat");
  init_mutex(&second->lock);
  sem_change(semid, 1, WORKERS);
  sem_change(semid, 0, -WORKERS); /* all attached the second one too */
  shmctl(second_id, IPC_RMID, NULL); /* gone with the last detach */

  int failures = 0;
  for (int i = 0; i < WORKERS; ++i) {
    int status = wait_child(workers[i]);
    failures += status != 0 && status != 66;
  }
  /* The removed segment went away with the workers' last detach. */
  struct shmid_ds info;
  int first_gone = shmctl(first_id, IPC_STAT, &info) == -1;
  printf("first segment %s and %s, second segment %s, %d failures\n",
         second->first_exact ? "exact" : "WRONG", first_gone ? "gone" : "STILL THERE",
         second->count == WORKERS * n ? "exact" : "WRONG", failures);
  semctl(semid, 0, IPC_RMID);
  pthread_mutex_destroy(&second->lock);
  shmdt(second);
  return failures == 0 && first_gone ? 0 : 1;
}
