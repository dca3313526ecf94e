/* Load: P processes x T threads x N increments of one counter in a segment.
 *
 *   guarded    under a process-shared mutex in the segment: the count is
 *              exact and nothing may be reported;
 *   unguarded  plain increments: races are reported, but nothing crashes
 *              and memory stays bounded.
 *
 * The parent prints the outcome (the same line with and without the
 * runtime) and, on stderr, the largest peak resident set of a worker (its
 * own, measured when its threads are done) and what the runtime keeps in
 * /dev/shm at the end. With MAX_RSS_MIB, a worker
 * larger than that fails the run.
 *
 * Usage: load_counter guarded|unguarded P T N [MAX_RSS_MIB] */
#include <pthread.h>
#include <sys/resource.h>

#include "e2e_util.h"
#include "shared_objects.h"

#define MAX_PROCESSES 256

struct shared {
  pthread_mutex_t lock;
  long count;
  long rss_kib[MAX_PROCESSES]; /* each worker's own peak, at its end */
};

static struct shared *seg;
static int guarded;
static long n;

static void *increment(void *arg) {
  (void)arg;
  for (long i = 0; i < n; ++i) {
    if (guarded)
      pthread_mutex_lock(&seg->lock);
    seg->count++;
    if (guarded)
      pthread_mutex_unlock(&seg->lock);
  }
  return NULL;
}

static int worker(long index, long threads) {
  pthread_t ids[64];
  for (long t = 0; t < threads; ++t)
    if (pthread_create(&ids[t], NULL, increment, NULL) != 0)
      return 1;
  for (long t = 0; t < threads; ++t)
    pthread_join(ids[t], NULL);
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  seg->rss_kib[index] = usage.ru_maxrss;
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 5)
    die("usage: load_counter guarded|unguarded P T N [MAX_RSS_MIB]");
  guarded = strcmp(argv[1], "guarded") == 0;
  long processes = arg_long(argc, argv, 2, 8);
  long threads = arg_long(argc, argv, 3, 4);
  n = arg_long(argc, argv, 4, 1000);
  long max_rss_mib = arg_long(argc, argv, 5, 0);
  if (threads < 1 || threads > 64)
    die("T must be 1..64");
  seg = new_segment(sizeof *seg, NULL);
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  pthread_mutex_init(&seg->lock, &attr);
  pthread_mutexattr_destroy(&attr);

  pid_t pids[MAX_PROCESSES];
  if (processes < 1 || processes > MAX_PROCESSES)
    die("P must be 1..256");
  for (long p = 0; p < processes; ++p) {
    fflush(stdout);
    pids[p] = fork_or_die();
    if (pids[p] == 0)
      exit(worker(p, threads));
  }
  int failures = 0;
  for (long p = 0; p < processes; ++p) {
    int status = wait_child(pids[p]);
    /* 66: a worker that took part in a reported race. */
    failures += status != 0 && !(status == 66 && !guarded);
  }
  const long expected = processes * threads * n;
  long peak = 0;
  for (long p = 0; p < processes; ++p)
    if (seg->rss_kib[p] > peak)
      peak = seg->rss_kib[p]; /* ordered after the worker by waitpid */
  fprintf(stderr, "peak worker RSS: %ld KiB\n", peak);
  report_shared_objects();
  if (max_rss_mib > 0 && peak > max_rss_mib * 1024) {
    fprintf(stderr, "a worker grew beyond %ld MiB\n", max_rss_mib);
    ++failures;
  }
  if (guarded)
    printf("guarded: count %ld of %ld, %d failures\n", seg->count, expected, failures);
  else
    printf("unguarded: count %s, %d failures\n",
           seg->count > 0 && seg->count <= expected ? "within bounds" : "OUT OF BOUNDS",
           failures);
  pthread_mutex_destroy(&seg->lock);
  shmdt(seg);
  return failures == 0 ? 0 : 1;
}
