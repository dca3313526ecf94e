/* Signals arriving all the time, also during trapped accesses and inside the
 * runtime's interceptors.
 *
 * Two processes each run an interval timer that fires every 20 us. The
 * SIGALRM handler (installed without SA_RESTART, so that blocking calls
 * return EINTR) counts its ticks in the segment and in a local variable.
 * Meanwhile the main loop increments one counter under a process-shared
 * mutex, another under a process-shared semaphore (sem_wait interrupted by
 * the handler is retried), and copies a block through a pipe from one part
 * of the segment to another (short or interrupted transfers are resumed).
 * At the end each process checks that the segment saw exactly its ticks and
 * every byte arrived; the parent prints the totals: the same with and
 * without the runtime.
 *
 * Usage: signal_storm N */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <sys/time.h>

#include "e2e_util.h"

#define BLOCK 64

struct shared {
  pthread_mutex_t lock;
  sem_t sem;
  long by_mutex;
  long by_sem;
  long ticks[2];
  long checks_failed;
  unsigned char out[2][BLOCK];
  unsigned char in[2][BLOCK];
};

static struct shared *seg;
static int me;
static volatile long local_ticks;

static void on_alarm(int sig) {
  (void)sig;
  seg->ticks[me]++;
  local_ticks++;
}

static void storm(int on) {
  struct itimerval every = {{0, on ? 20 : 0}, {0, on ? 20 : 0}};
  if (setitimer(ITIMER_REAL, &every, NULL) != 0)
    die("setitimer");
}

/* Moves `size` bytes through the pipe, resuming after EINTR and short
 * transfers, from seg->out[me] to seg->in[me]. */
static int through_pipe(int fds[2], size_t size) {
  size_t written = 0, received = 0;
  while (received < size) {
    if (written < size) {
      ssize_t n = write(fds[1], seg->out[me] + written, size - written);
      if (n > 0)
        written += (size_t)n;
      else if (n < 0 && errno != EINTR)
        return -1;
    }
    ssize_t n = read(fds[0], seg->in[me] + received, written - received);
    if (n > 0)
      received += (size_t)n;
    else if (n < 0 && errno != EINTR)
      return -1;
  }
  return memcmp(seg->out[me], seg->in[me], size) == 0 ? 0 : -1;
}

static int work(long n) {
  int fds[2];
  if (pipe(fds) != 0)
    die("pipe");
  for (int i = 0; i < BLOCK; ++i)
    seg->out[me][i] = (unsigned char)(i * 7 + me);
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_alarm;
  sigemptyset(&action.sa_mask);
  if (sigaction(SIGALRM, &action, NULL) != 0)
    die("sigaction");
  storm(1);
  int failures = 0;
  for (long i = 0; i < n; ++i) {
    pthread_mutex_lock(&seg->lock);
    seg->by_mutex++;
    pthread_mutex_unlock(&seg->lock);
    while (sem_wait(&seg->sem) != 0)
      if (errno != EINTR)
        die("sem_wait");
    seg->by_sem++;
    sem_post(&seg->sem);
    if (i % 16 == 0 && through_pipe(fds, BLOCK) != 0)
      ++failures;
  }
  while (local_ticks == 0)
    ; /* a quick machine may finish before the first tick */
  storm(0);
  /* The handler ran only in this thread: its ticks are ordered with us. */
  if (seg->ticks[me] != local_ticks)
    ++failures;
  close(fds[0]);
  close(fds[1]);
  return failures;
}

int main(int argc, char **argv) {
  long n = arg_long(argc, argv, 1, 2000);
  seg = new_segment(sizeof *seg, NULL);
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  pthread_mutex_init(&seg->lock, &attr);
  pthread_mutexattr_destroy(&attr);
  if (sem_init(&seg->sem, 1, 1) != 0)
    die("sem_init");

  fflush(stdout);
  pid_t child = fork_or_die();
  me = child == 0;
  int failures = work(n);
  if (child == 0)
    _exit(failures == 0 ? 0 : 1);
  int status = wait_child(child);
  printf("mutex %ld, semaphore %ld, expected %ld, ticks counted exactly: %s, child %d\n",
         seg->by_mutex, seg->by_sem, 2 * n, failures == 0 ? "yes" : "no", status);
  sem_destroy(&seg->sem);
  pthread_mutex_destroy(&seg->lock);
  shmdt(seg);
  return failures == 0 && status == 0 ? 0 : 1;
}
