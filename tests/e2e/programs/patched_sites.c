/* Sites that trap mode rewrote into jumps (run with patch_threshold=1, so
 * that the second execution of a site already runs its generated code):
 *   threads    four threads run the same locked and plain increments while
 *              the sites are being patched; totals must be exact
 *   fork       the parent patches a site, forks; the child runs the patched
 *              site, the parent waits and runs it again (ordered: clean)
 *   fork-race  the same without the wait: parent and child race
 *   fault      a patched load meets an unmapped address: the program's
 *              SIGSEGV handler sees the same si_addr and pc as before the
 *              patch
 * Prints what it computed; the driver compares with a plain run. */
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <ucontext.h>

#include "e2e_util.h"

struct shared {
  uint64_t atomic_total;
  uint64_t locked_total;
  pthread_mutex_t lock;
  uint64_t counter;
};

static struct shared *shared;

/* One site each, written so that -O0 gives a plain memory operand. */
static void locked_add(uint64_t *p) {
  __asm__ volatile("lock addq $1, (%0)" : : "r"(p) : "memory", "cc");
}
static void plain_add(uint64_t *p) {
  __asm__ volatile("addq $1, (%0)" : : "r"(p) : "memory", "cc");
}
static uint64_t load(const uint64_t *p) {
  uint64_t v;
  __asm__ volatile("movq (%1), %0" : "=r"(v) : "r"(p) : "memory");
  return v;
}

static void *worker(void *arg) {
  (void)arg;
  for (int i = 0; i < 5000; ++i) {
    locked_add(&shared->atomic_total);
    pthread_mutex_lock(&shared->lock);
    plain_add(&shared->locked_total);
    pthread_mutex_unlock(&shared->lock);
  }
  return NULL;
}

static int threads(void) {
  pthread_t t[4];
  for (int i = 0; i < 4; ++i)
    pthread_create(&t[i], NULL, worker, NULL);
  for (int i = 0; i < 4; ++i)
    pthread_join(t[i], NULL);
  printf("atomic %llu, locked %llu\n",
         (unsigned long long)load(&shared->atomic_total),
         (unsigned long long)load(&shared->locked_total));
  return 0;
}

static void bump(int times) {
  for (int i = 0; i < times; ++i)
    plain_add(&shared->counter); /* the fork race */
}

static int forked(int ordered) {
  bump(100);
  pid_t child = fork_or_die();
  if (child == 0) {
    bump(100);
    _exit(0);
  }
  if (ordered)
    wait_child(child);
  bump(100);
  if (!ordered)
    wait_child(child);
  if (ordered)
    printf("counter %llu\n", (unsigned long long)load(&shared->counter));
  return 0;
}

static sigjmp_buf recover;
static volatile uintptr_t fault_address, fault_pc;

static void on_segv(int sig, siginfo_t *info, void *raw) {
  (void)sig;
  fault_address = (uintptr_t)info->si_addr;
  fault_pc = (uintptr_t)((ucontext_t *)raw)->uc_mcontext.gregs[REG_RIP];
  siglongjmp(recover, 1);
}

static int fault(void) {
  struct sigaction action = {0};
  action.sa_sigaction = on_segv;
  action.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &action, NULL);
  const uint64_t *bad = (const uint64_t *)(uintptr_t)0x18;
  uintptr_t first_pc = 0;
  uint64_t sum = 0;
  for (int round = 0; round < 3; ++round) {
    /* Round 0 faults before the site ever trapped; later rounds fault in
     * its generated code. */
    if (sigsetjmp(recover, 1) == 0)
      sum += load(bad);
    for (int i = 0; i < 20; ++i)
      sum += load(&shared->counter) + 1;
    if (round == 0)
      first_pc = fault_pc;
    printf("round %d: fault at %#lx, same pc %s\n", round,
           (unsigned long)fault_address, fault_pc == first_pc ? "yes" : "no");
  }
  printf("sum %llu\n", (unsigned long long)sum);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2)
    return 2;
  shared = new_segment(4096, NULL);
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
  pthread_mutex_init(&shared->lock, &attr);
  int status = 2;
  if (!strcmp(argv[1], "threads"))
    status = threads();
  else if (!strcmp(argv[1], "fork"))
    status = forked(1);
  else if (!strcmp(argv[1], "fork-race"))
    status = forked(0);
  else if (!strcmp(argv[1], "fault"))
    status = fault();
  shmdt(shared);
  return status;
}
