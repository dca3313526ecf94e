/* The application installs its own SIGSEGV handler after the runtime and
 * uses it the way real programs do, while other threads keep trapping on
 * the segment:
 *   - a write barrier: a private page is made read-only, the first write to
 *     it faults, the handler records the page, makes it writable and
 *     returns, and the write is carried out on the retry (garbage
 *     collectors, checkpointing);
 *   - skipping a faulting load by advancing the program counter from the
 *     handler's ucontext (emulators, probing);
 *   - an SA_RESETHAND handler: after the first fault the default action is
 *     back, which the application then checks with sigaction().
 * The handler also counts in the segment. Two threads increment a counter
 * in the segment under a mutex the whole time. The output is the same with
 * and without the runtime.
 *
 * Usage: own_fault_handler ROUNDS */
#define _GNU_SOURCE /* REG_RIP */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>

#include "e2e_util.h"

struct shared {
  pthread_mutex_t lock;
  long count;
  long faults_seen;
};

static struct shared *seg;
static volatile int stop;
static char *barrier_page;
static long page_size;
static volatile long barrier_faults, skipped_loads;

/* The load that the handler skips: movq (%rax), %rax, 3 bytes. Skipped,
 * it leaves the address in rax. */
static long probe(const volatile long *address) {
  long value;
  __asm__ volatile("movq (%%rax), %%rax" : "=a"(value) : "a"(address) : "memory");
  return value;
}

static void on_fault(int sig, siginfo_t *info, void *raw) {
  (void)sig;
  ucontext_t *uc = raw;
  char *address = info->si_addr;
  seg->faults_seen++;
  if (address >= barrier_page && address < barrier_page + page_size) {
    barrier_faults++;
    mprotect(barrier_page, (size_t)page_size, PROT_READ | PROT_WRITE);
    return; /* the write is retried and succeeds */
  }
  /* Anything else is the probe at address 8: skip its 3-byte load. */
  skipped_loads++;
  uc->uc_mcontext.gregs[REG_RIP] += 3;
}

static void *count_in_segment(void *arg) {
  (void)arg;
  while (!stop) {
    pthread_mutex_lock(&seg->lock);
    seg->count++;
    pthread_mutex_unlock(&seg->lock);
  }
  return NULL;
}

static sigjmp_buf resumed;

static void leave_once(int sig) {
  (void)sig;
  seg->faults_seen++;
  siglongjmp(resumed, 1);
}

/* An SA_RESETHAND handler runs once; then the default action is back: a
 * fault ends a child with SIGSEGV. Returns that child's status. */
static int reset_handler_then_default(int *handler_is_default) {
  struct sigaction once;
  memset(&once, 0, sizeof once);
  once.sa_handler = leave_once;
  once.sa_flags = SA_RESETHAND;
  sigemptyset(&once.sa_mask);
  if (sigaction(SIGSEGV, &once, NULL) != 0)
    die("sigaction");
  if (sigsetjmp(resumed, 1) == 0)
    *(volatile int *)16 = 1; /* caught once */
  struct sigaction now;
  sigaction(SIGSEGV, NULL, &now);
  *handler_is_default = now.sa_handler == SIG_DFL;
  fflush(stdout);
  pid_t child = fork_or_die();
  if (child == 0) {
    *(volatile int *)16 = 2; /* the default action: killed */
    _exit(0);
  }
  return wait_child(child);
}

int main(int argc, char **argv) {
  long rounds = arg_long(argc, argv, 1, 50);
  seg = new_segment(sizeof *seg, NULL);
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  pthread_mutex_init(&seg->lock, &attr);
  pthread_mutexattr_destroy(&attr);
  page_size = sysconf(_SC_PAGESIZE);
  barrier_page = mmap(NULL, (size_t)page_size, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (barrier_page == MAP_FAILED)
    die("mmap");

  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_sigaction = on_fault;
  action.sa_flags = SA_SIGINFO;
  sigemptyset(&action.sa_mask);
  if (sigaction(SIGSEGV, &action, NULL) != 0)
    die("sigaction");

  pthread_t threads[2];
  for (int t = 0; t < 2; ++t)
    if (pthread_create(&threads[t], NULL, count_in_segment, NULL) != 0)
      die("pthread_create");
  long sum = 0;
  for (long r = 0; r < rounds; ++r) {
    mprotect(barrier_page, (size_t)page_size, PROT_READ);
    barrier_page[r % page_size] = (char)r; /* faults once, then succeeds */
    sum += barrier_page[r % page_size];
    sum += probe((const volatile long *)8); /* faults, skipped: stays -1 */
  }
  /* The threads have trapped a while (without the runtime the rounds may
   * be over before they even started). */
  for (long moved = 0; moved < 100;) {
    pthread_mutex_lock(&seg->lock);
    moved = seg->count;
    pthread_mutex_unlock(&seg->lock);
  }
  stop = 1;
  for (int t = 0; t < 2; ++t)
    pthread_join(threads[t], NULL);
  int is_default = 0;
  int child_status = reset_handler_then_default(&is_default);

  printf("barrier faults %ld, skipped loads %ld, sum %ld, faults seen in the segment %ld, "
         "counter %s\n",
         barrier_faults, skipped_loads, sum, seg->faults_seen, seg->count > 0 ? "moved" : "STUCK");
  printf("after SA_RESETHAND: handler %s, faulting child status %d\n",
         is_default ? "default" : "NOT RESET", child_status);
  pthread_mutex_destroy(&seg->lock);
  shmdt(seg);
  return 0;
}
