/* Load: thousands of short-lived processes attaching one segment.
 *
 * The parent forks N children, at most WINDOW alive at once. Each attaches
 * the segment by its id, increments a counter under a process-shared mutex
 * and detaches; every 50th child kills itself right after its increment,
 * still attached (its slot is left for the runtime to reclaim). The
 * parent's output is the same with and without the runtime; on stderr it
 * prints what the runtime keeps in /dev/shm at the end (bounded: the state
 * and one shadow), and its counters when asked (verbosity=1).
 *
 * Usage: many_attachers N [WINDOW] */
#include <pthread.h>
#include <signal.h>

#include "e2e_util.h"
#include "shared_objects.h"

struct shared {
  pthread_mutex_t lock;
  long count;
};

static int child(int shmid, long index) {
  struct shared *seg = shmat(shmid, NULL, 0);
  if (seg == (void *)-1)
    return 2;
  pthread_mutex_lock(&seg->lock);
  seg->count++;
  pthread_mutex_unlock(&seg->lock);
  if (index % 50 == 49)
    raise(SIGKILL);
  shmdt(seg);
  return 0;
}

int main(int argc, char **argv) {
  long n = arg_long(argc, argv, 1, 10000);
  long window = arg_long(argc, argv, 2, 8);
  if (window < 1 || window > 64)
    die("WINDOW must be 1..64");
  int shmid;
  struct shared *seg = new_segment(sizeof *seg, &shmid);
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  pthread_mutex_init(&seg->lock, &attr);
  pthread_mutexattr_destroy(&attr);

  pid_t alive[64] = {0};
  long killed = 0, failures = 0;
  for (long i = 0; i < n + window; ++i) {
    long at = i % window;
    if (alive[at] != 0) {
      int status = wait_child(alive[at]);
      if (status == 128 + SIGKILL)
        ++killed;
      else if (status != 0)
        ++failures;
      alive[at] = 0;
    }
    if (i < n) {
      fflush(stdout);
      alive[at] = fork_or_die();
      if (alive[at] == 0)
        _exit(child(shmid, i));
    }
  }
  report_shared_objects();
  printf("%ld processes attached, count %ld, %ld killed while attached, %ld failures\n", n,
         seg->count, killed, failures);
  const long count = seg->count;
  pthread_mutex_destroy(&seg->lock);
  shmdt(seg);
  return failures == 0 && count == n ? 0 : 1;
}
