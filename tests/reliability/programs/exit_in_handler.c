/* Programs that end from a signal handler.
 *
 * Each of ROUNDS children takes and releases a process-shared mutex in the
 * segment in a tight loop and increments a counter under it, while an
 * interval timer fires every 50 us. The SIGALRM handler counts its ticks in
 * the segment too, and at tick TICKS it checks the counter and leaves with
 * exit() or _exit() (MODE), wherever the main loop happened to be: inside
 * pthread_mutex_lock, between the load and the store of the increment, or
 * inside the runtime's own bookkeeping of the lock. The parent prints what
 * every child saw; the output is the same with and without the runtime, and
 * nothing may hang.
 *
 * Usage: exit_in_handler exit|_exit ROUNDS TICKS */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>

#include "e2e_util.h"

struct shared {
  pthread_mutex_t lock;
  long count;   /* incremented under the lock */
  long ticks;   /* incremented by the handler only */
  long exits;   /* children that left from their handler */
};

static struct shared *seg;
static volatile long done; /* this process's increments, also under the lock */
static long ticks_wanted;
static int use_underscore_exit;

static void on_alarm(int sig) {
  (void)sig;
  if (++seg->ticks < ticks_wanted)
    return;
  /* The main loop is somewhere between lock and unlock, or outside: the
   * shared counter is this process's increments or one more. */
  long ahead = seg->count - done;
  seg->exits += (ahead == 0 || ahead == 1) ? 1 : 1000;
  if (use_underscore_exit)
    _exit(ahead == 0 || ahead == 1 ? 0 : 3);
  exit(ahead == 0 || ahead == 1 ? 0 : 3);
}

static void child_loop(void) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_alarm;
  sigemptyset(&action.sa_mask);
  if (sigaction(SIGALRM, &action, NULL) != 0)
    die("sigaction");
  struct itimerval every = {{0, 50}, {0, 50}};
  if (setitimer(ITIMER_REAL, &every, NULL) != 0)
    die("setitimer");
  for (;;) {
    /* Robust: the previous round's child may have left holding it. */
    if (pthread_mutex_lock(&seg->lock) == EOWNERDEAD)
      pthread_mutex_consistent(&seg->lock);
    seg->count++;
    done++;
    pthread_mutex_unlock(&seg->lock);
  }
}

int main(int argc, char **argv) {
  if (argc != 4)
    die("usage: exit_in_handler exit|_exit ROUNDS TICKS");
  use_underscore_exit = strcmp(argv[1], "_exit") == 0;
  long rounds = arg_long(argc, argv, 2, 10);
  ticks_wanted = arg_long(argc, argv, 3, 100);
  seg = new_segment(sizeof *seg, NULL);
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
  pthread_mutex_init(&seg->lock, &attr);
  pthread_mutexattr_destroy(&attr);

  int failures = 0;
  for (long round = 0; round < rounds; ++round) {
    seg->count = 0;
    seg->ticks = 0;
    fflush(stdout); /* the child leaves through exit(): no second copy */
    pid_t child = fork_or_die();
    if (child == 0)
      child_loop();
    int status = wait_child(child);
    if (status != 0 || seg->ticks != ticks_wanted) {
      printf("round %ld: status %d, ticks %ld\n", round, status, seg->ticks);
      ++failures;
    }
  }
  printf("%ld rounds, %ld left from their handler, %d failures\n", rounds,
         seg->exits, failures);
  pthread_mutex_destroy(&seg->lock);
  shmdt(seg);
  return failures == 0 ? 0 : 1;
}
