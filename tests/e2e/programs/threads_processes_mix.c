/* Two processes with three threads each update a segment at once: a counter
 * under a process-shared mutex (incremented with a memory-operand add, as
 * optimized code does), an atomic counter (lock xadd, no lock), and a
 * per-thread slot written with plain stores. Every way the runtime carries
 * out a trapped access runs concurrently in several threads; the counts must
 * be exact and nothing may be reported. */
#include <pthread.h>

#include "e2e_util.h"

#define THREADS 3

struct shared {
  pthread_mutex_t lock;
  long guarded;
  long atomic;
  long slot[2 * THREADS];
};

static struct shared *seg;
static long iterations;
static int process_index;

static void *work(void *arg) {
  const long me = (long)arg + process_index * THREADS;
  for (long i = 0; i < iterations; ++i) {
    pthread_mutex_lock(&seg->lock);
    __asm__ volatile("addq $1, %0" : "+m"(seg->guarded) : : "cc");
    pthread_mutex_unlock(&seg->lock);
    long one = 1;
    __asm__ volatile("lock xaddq %0, %1" : "+r"(one), "+m"(seg->atomic) : : "cc");
    seg->slot[me] = i + 1;
  }
  return NULL;
}

static void run_threads(void) {
  pthread_t threads[THREADS];
  for (long t = 0; t < THREADS; ++t)
    if (pthread_create(&threads[t], NULL, work, (void *)t) != 0)
      die("pthread_create");
  for (int t = 0; t < THREADS; ++t)
    pthread_join(threads[t], NULL);
}

int main(int argc, char **argv) {
  iterations = arg_long(argc, argv, 1, 300);
  seg = new_segment(sizeof *seg, NULL);
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  if (pthread_mutex_init(&seg->lock, &attr) != 0)
    die("pthread_mutex_init");
  pid_t child = fork_or_die();
  process_index = child == 0 ? 1 : 0;
  run_threads();
  if (child == 0) {
    shmdt(seg);
    _exit(0);
  }
  wait_child(child);
  long slots = 0;
  for (int s = 0; s < 2 * THREADS; ++s)
    slots += seg->slot[s];
  printf("guarded %ld, atomic %ld, slots %ld (expected %ld each, slots %ld)\n",
         seg->guarded, seg->atomic, slots, 2 * THREADS * iterations,
         2 * THREADS * iterations);
  pthread_mutex_destroy(&seg->lock);
  shmdt(seg);
  return 0;
}
