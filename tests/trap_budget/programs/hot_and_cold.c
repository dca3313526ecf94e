/* A hot page and a cold page, for the trap budget.
 *
 * Two processes share a 1 MiB segment (larger than 256 KiB, so the runtime
 * protects it page by page). Phase 1 hammers a mutex-guarded counter on
 * page 0 until, with a budget, the runtime leaves that page unprotected:
 * each process watches its own view in /proc/self/maps and says on stderr
 * whether it saw the page unprotected. Phase 2 only starts after phase 1,
 * so every access it makes to page 0 is recorded, if at all, in a sampled
 * window. In phase 2 both processes increment a counter on page 0 with no
 * synchronization at all (the hot race), write one word on a page nobody
 * else touches often (the cold race) half-way through, and read a
 * read-only word on a third page every 10 ms (a cold trap, which is
 * where the runtime protects due pages again).
 *
 * stdout is the same with and without the runtime and the budget.
 *
 * Usage: hot_and_cold [GUARDED_ITERATIONS [RACY_MILLISECONDS]] */
#include <pthread.h>
#include <stdint.h>
#include <time.h>
#include <fcntl.h>

#include "../../e2e/programs/e2e_util.h"

#define SEGMENT (1 << 20)
#define TICKER_OFFSET (256 * 1024)
#define COLD_OFFSET (512 * 1024)

struct hot_page { /* at the start of the segment */
  pthread_mutex_t lock;
  long guarded;
  long racy;
};

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether this process's view of the segment's first page is accessible,
 * from /proc/self/maps (the runtime keeps a watched page PROT_NONE). */
static int first_page_open(const void *seg) {
  char buffer[1 << 16];
  int fd = open("/proc/self/maps", O_RDONLY);
  if (fd < 0)
    return 0;
  ssize_t n = read(fd, buffer, sizeof buffer - 1);
  close(fd);
  if (n <= 0)
    return 0;
  buffer[n] = '\0';
  char wanted[32];
  snprintf(wanted, sizeof wanted, "%lx-", (unsigned long)(uintptr_t)seg);
  const char *line = strstr(buffer, wanted);
  if (line == NULL)
    return 0;
  const char *perms = strchr(line, ' ');
  return perms != NULL && perms[1] == 'r';
}

static void guarded_phase(char *seg, struct hot_page *hot, long iterations,
                          const char *who) {
  int seen_open = 0;
  for (long i = 0; i < iterations; ++i) {
    pthread_mutex_lock(&hot->lock);
    hot->guarded++;
    pthread_mutex_unlock(&hot->lock);
    if (i % 256 == 0 && !seen_open)
      seen_open = first_page_open(seg);
  }
  fprintf(stderr, "%s: hot page unprotected during the guarded phase: %s\n",
          who, seen_open ? "yes" : "no");
}

static void racy_phase(char *seg, struct hot_page *hot, long milliseconds) {
  volatile long *ticker = (volatile long *)(seg + TICKER_OFFSET);
  long *cold = (long *)(seg + COLD_OFFSET);
  long start = now_ms(), last_tick = start, sum = 0;
  int cold_written = 0;
  for (long i = 0;; ++i) {
    hot->racy++; /* the hot race */
    if (i % 1024 != 0)
      continue;
    long now = now_ms();
    if (now - start >= milliseconds)
      break;
    if (now - last_tick >= 10) {
      sum += *ticker; /* a cold read, every 10 milliseconds */
      last_tick = now;
    }
    if (!cold_written && now - start >= milliseconds / 2) {
      *cold = getpid(); /* the cold race */
      cold_written = 1;
    }
  }
  if (sum < 0)
    printf("impossible\n");
}

int main(int argc, char **argv) {
  long iterations = arg_long(argc, argv, 1, 4000);
  long milliseconds = arg_long(argc, argv, 2, 1000);
  char *seg = new_segment(SEGMENT, NULL);
  struct hot_page *hot = (struct hot_page *)seg;
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  pthread_mutex_init(&hot->lock, &attr);
  *(long *)(seg + TICKER_OFFSET) = 1;

  pid_t child = fork_or_die();
  guarded_phase(seg, hot, iterations, child == 0 ? "child" : "parent");
  racy_phase(seg, hot, milliseconds);
  if (child == 0) {
    shmdt(seg);
    _exit(0);
  }
  int status = wait_child(child);
  printf("guarded %ld of %ld, child %d\n", hot->guarded, 2 * iterations, status);
  shmdt(seg);
  return 0;
}
