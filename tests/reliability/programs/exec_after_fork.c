/* exec after fork, from a process with other threads running.
 *
 * The parent fills the segment, starts a thread that keeps incrementing a
 * counter under a process-shared mutex, and forks children that replace
 * their image with this program ("child SHMID"), which attaches the segment
 * again by its id and checks what the parent wrote before the fork. Then it
 * increments the counter under the mutex and exits; the parent reaps it and
 * reads what it wrote.
 *
 *   clean  everything is ordered (fork, exec, the mutex, waitpid): no
 *          report, and the output equals a plain run's;
 *   race   the parent writes a word after the fork and the exec'd child
 *          reads it with nothing in between: a report naming both.
 *
 * Usage: exec_after_fork clean|race K */
#include <pthread.h>

#include "e2e_util.h"

#define WORDS 64

struct shared {
  pthread_mutex_t lock;
  long count;
  long filled[WORDS];
  long unordered;
  long from_child;
};

static struct shared *seg;
static volatile int stop;

static void *background(void *arg) {
  (void)arg;
  while (!stop) {
    pthread_mutex_lock(&seg->lock);
    seg->count++;
    pthread_mutex_unlock(&seg->lock);
  }
  return NULL;
}

static int child_image(int shmid, int race) {
  struct shared *view = shmat(shmid, NULL, 0);
  if (view == (void *)-1)
    die("shmat in the exec'd child");
  int wrong = 0;
  for (int i = 0; i < WORDS; ++i)
    wrong += view->filled[i] != i * 3;
  if (race) {
    long seen = view->unordered; /* unordered with the parent's write */
    (void)seen;
  }
  pthread_mutex_lock(&view->lock);
  view->count += 1000;
  pthread_mutex_unlock(&view->lock);
  view->from_child = 7;
  shmdt(view);
  return wrong == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc == 4 && strcmp(argv[1], "child") == 0)
    return child_image(atoi(argv[2]), strcmp(argv[3], "race") == 0);
  if (argc != 3)
    die("usage: exec_after_fork clean|race K");
  int race = strcmp(argv[1], "race") == 0;
  long children = arg_long(argc, argv, 2, 5);
  int shmid;
  seg = new_segment(sizeof *seg, &shmid);
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  pthread_mutex_init(&seg->lock, &attr);
  pthread_mutexattr_destroy(&attr);
  for (int i = 0; i < WORDS; ++i)
    seg->filled[i] = i * 3;

  pthread_t thread;
  if (pthread_create(&thread, NULL, background, NULL) != 0)
    die("pthread_create");
  char id[16];
  snprintf(id, sizeof id, "%d", shmid);
  int failures = 0;
  long from_children = 0;
  for (long c = 0; c < children; ++c) {
    fflush(stdout);
    pid_t child = fork_or_die();
    if (child == 0) {
      char *args[] = {argv[0], "child", id, argv[1], NULL};
      execv("/proc/self/exe", args);
      _exit(127);
    }
    if (race && c == 0)
      seg->unordered = 1; /* after the fork: unordered with the child */
    int status = wait_child(child);
    failures += status != 0 && status != 66;
    from_children += seg->from_child; /* ordered by waitpid */
    seg->from_child = 0;
  }
  stop = 1;
  pthread_join(thread, NULL);
  pthread_mutex_lock(&seg->lock);
  long count = seg->count;
  pthread_mutex_unlock(&seg->lock);
  printf("%ld children saw the parent's data, wrote %ld, counter %s, %d failures\n",
         children, from_children, count >= children * 1000 ? "complete" : "SHORT", failures);
  pthread_mutex_destroy(&seg->lock);
  shmdt(seg);
  return failures == 0 ? 0 : 1;
}
