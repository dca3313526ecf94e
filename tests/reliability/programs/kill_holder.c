/* A checked process killed at the worst moments: inside the application's
 * critical section, or while it holds one of the runtime's own locks.
 *
 * Usage: kill_holder app|registry|sync|shadow N SNIPER
 *
 * Two workers increment a counter under a robust, process-shared mutex in
 * the segment, each keeping its own tally, until they learn that the victim
 * (a third process) is dead; then each makes N more increments. The victim:
 *   app       takes the workers' mutex and waits: the parent kills it while
 *             it holds the mutex. The worker that takes the mutex next gets
 *             EOWNERDEAD, makes it consistent and counts one recovery.
 *   registry  creates and joins threads and attaches its segment again and
 *   sync      again / takes and releases a mutex of its own / writes a word
 *   shadow    next to the counter, until SNIPER (lock_sniper, run without the
 *             runtime) catches it holding the runtime's registry lock / a
 *             sync-table stripe / a shadow stripe, and kills it.
 * After that the workers must go on (no deadlock) and, at the end, both
 * write one word without synchronization: the runtime must still report
 * that race. The parent prints whether the counter equals the tallies and
 * the recoveries: the same with and without the runtime. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>

#include "e2e_util.h"

extern char **environ;

struct shared {
  pthread_mutex_t lock; /* robust; guards count, recovered and tally */
  long count;
  long recovered;
  long victim_word;     /* the victim's own; same 64 bytes as count */
  long tally[2];
  pthread_mutex_t victim_lock;
  long unordered;       /* both workers write it at the end: the race */
};

static struct shared *seg;
static int shmid;

static void init_mutex(pthread_mutex_t *m, int robust) {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  if (robust)
    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
  if (pthread_mutex_init(m, &attr) != 0)
    die("pthread_mutex_init");
  pthread_mutexattr_destroy(&attr);
}

static void lock_counter(void) {
  if (pthread_mutex_lock(&seg->lock) == EOWNERDEAD) {
    /* The victim died holding it: what it guarded is intact here. */
    seg->recovered++;
    pthread_mutex_consistent(&seg->lock);
  }
}

static void *nothing(void *arg) { return arg; }

static void victim(const char *mode, int ready_fd) {
  if (strcmp(mode, "app") == 0) {
    lock_counter();
    if (write(ready_fd, "v", 1) != 1)
      _exit(2);
    for (;;)
      pause();
  }
  if (write(ready_fd, "v", 1) != 1)
    _exit(2);
  int registry = strcmp(mode, "registry") == 0;
  if (registry)
    shmdt(seg); /* each attachment below is then the only one */
  for (;;) {
    if (registry) {
      /* Thread slots, and the segment's shadow mapped and unmapped: all
       * under the registry lock. */
      pthread_t thread;
      if (pthread_create(&thread, NULL, nothing, NULL) == 0)
        pthread_join(thread, NULL);
      void *view = shmat(shmid, NULL, 0);
      if (view != (void *)-1)
        shmdt(view);
    } else if (strcmp(mode, "sync") == 0) {
      pthread_mutex_lock(&seg->victim_lock);
      pthread_mutex_unlock(&seg->victim_lock);
    } else {
      seg->victim_word++;
    }
  }
}

static void worker(int index, long n, int notice_fd) {
  long tally = 0;
  char byte;
  /* Until the victim is dead: as many as it takes. */
  while (read(notice_fd, &byte, 1) != 1) {
    lock_counter();
    seg->count++;
    pthread_mutex_unlock(&seg->lock);
    ++tally;
  }
  for (long i = 0; i < n; ++i) {
    lock_counter();
    seg->count++;
    pthread_mutex_unlock(&seg->lock);
    ++tally;
  }
  lock_counter();
  seg->tally[index] = tally;
  pthread_mutex_unlock(&seg->lock);
  seg->unordered = index; /* the race: nothing orders the two workers */
  exit(0);
}

/* Runs the sniper without the runtime; returns its exit status. */
static int snipe(const char *sniper, const char *mode, pid_t target) {
  char pid_text[16];
  snprintf(pid_text, sizeof pid_text, "%d", (int)target);
  char *argv[] = {(char *)sniper, (char *)mode, pid_text, NULL};
  size_t count = 0;
  while (environ[count])
    ++count;
  char **env = calloc(count + 1, sizeof *env);
  size_t kept = 0;
  for (size_t i = 0; i < count; ++i)
    if (strncmp(environ[i], "LD_PRELOAD=", 11) != 0)
      env[kept++] = environ[i];
  fflush(stdout);
  pid_t pid = fork_or_die();
  if (pid == 0) {
    execve(sniper, argv, env);
    _exit(127);
  }
  free(env);
  return wait_child(pid);
}

int main(int argc, char **argv) {
  if (argc != 4)
    die("usage: kill_holder app|registry|sync|shadow N SNIPER");
  const char *mode = argv[1];
  long n = arg_long(argc, argv, 2, 1000);
  seg = new_segment(sizeof *seg, &shmid);
  init_mutex(&seg->lock, 1);
  init_mutex(&seg->victim_lock, 0);

  int ready[2], notice[2];
  if (pipe(ready) != 0 || pipe(notice) != 0)
    die("pipe");
  fcntl(notice[0], F_SETFL, O_NONBLOCK);
  fflush(stdout);
  pid_t victim_pid = fork_or_die();
  if (victim_pid == 0)
    victim(mode, ready[1]);
  char byte;
  if (read(ready[0], &byte, 1) != 1)
    die("victim");
  pid_t workers[2];
  for (int i = 0; i < 2; ++i) {
    workers[i] = fork_or_die();
    if (workers[i] == 0)
      worker(i, n, notice[0]);
  }

  int sniped = 0;
  if (strcmp(mode, "app") == 0) {
    usleep(50000); /* the workers are waiting for the mutex by now */
    kill(victim_pid, SIGKILL);
  } else {
    sniped = snipe(argv[3], mode, victim_pid);
  }
  if (write(notice[1], "dd", 2) != 2)
    die("write");
  int failures = sniped != 0;
  for (int i = 0; i < 2; ++i) {
    int status = wait_child(workers[i]);
    /* 0 (or 66 with exitcode_every_process=1): the workers race at the end. */
    failures += status != 0 && status != 66;
  }
  /* Reaped last: until now the workers found it dead on their own. */
  int victim_status = wait_child(victim_pid);
  failures += victim_status != 128 + SIGKILL;

  printf("%s: counter %s the tallies, %ld recovered, %s\n", mode,
         seg->count == seg->tally[0] + seg->tally[1] ? "matches" : "differs from",
         seg->recovered, failures == 0 ? "all as expected" : "FAILED");
  pthread_mutex_destroy(&seg->lock);
  pthread_mutex_destroy(&seg->victim_lock);
  shmdt(seg);
  return failures == 0 ? 0 : 1;
}
