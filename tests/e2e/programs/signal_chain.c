/* The application's own SIGSEGV and SIGTRAP handlers, installed after the
 * runtime, keep working: a real fault (a null dereference) reaches its
 * SIGSEGV handler, raise(SIGTRAP) its SIGTRAP handler, and the handlers
 * themselves touch the segment. Blocking SIGSEGV does not stop the segment
 * from working either. The driver compares the output with a plain run. */
#include <setjmp.h>
#include <signal.h>

#include "e2e_util.h"

struct shared {
  long handled;
  long counter;
};

static struct shared *seg;
static sigjmp_buf recover;

static void on_segv(int sig, siginfo_t *info, void *context) {
  (void)sig;
  (void)context;
  seg->handled += info->si_addr == NULL ? 1 : 100;
  siglongjmp(recover, 1);
}

static void on_trap(int sig) {
  (void)sig;
  seg->handled += 10;
}

int main(void) {
  seg = new_segment(sizeof *seg, NULL);
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_sigaction = on_segv;
  action.sa_flags = SA_SIGINFO;
  sigemptyset(&action.sa_mask);
  if (sigaction(SIGSEGV, &action, NULL) != 0)
    die("sigaction");
  signal(SIGTRAP, on_trap);

  for (int i = 0; i < 3; ++i) {
    seg->counter++;
    if (sigsetjmp(recover, 1) == 0) {
      volatile int *nothing = NULL;
      *nothing = i; /* the application's own fault */
    }
    raise(SIGTRAP);
  }

  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGSEGV);
  sigprocmask(SIG_BLOCK, &block, NULL);
  seg->counter += 100; /* still works with SIGSEGV "blocked" */
  sigprocmask(SIG_UNBLOCK, &block, NULL);

  struct sigaction current;
  sigaction(SIGSEGV, NULL, &current);
  printf("handled %ld, counter %ld, handler %s\n", seg->handled, seg->counter,
         current.sa_sigaction == on_segv ? "ours" : "lost");
  shmdt(seg);
  return 0;
}
