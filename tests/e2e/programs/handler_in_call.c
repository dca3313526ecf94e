/* A signal handler that runs while the program is blocked in a system call.
 *
 * The parent waits the way PostgreSQL's postmaster does: signals blocked,
 * except while it sleeps in select(). The child sends SIGUSR1 once the parent
 * is asleep, then writes the shared word; the parent's handler writes the
 * same word. kill() orders what the child did before it, not after: the two
 * writes race. Under the runtime, select() is carried out by the runtime's
 * handler of the dispatched call, so the program's handler runs inside it;
 * the report must show the program's frames only, also when it is written
 * while the process exits.
 *
 * Usage: handler_in_call */
#include <signal.h>
#include <sys/select.h>

#include "e2e_util.h"

struct shared {
  long word;
};

static struct shared *seg;
static volatile sig_atomic_t handled;

static void on_usr1(int sig) {
  (void)sig;
  seg->word = 1; /* the handler's write */
  handled = 1;
}

int main(void) {
  seg = new_segment(sizeof *seg, NULL);
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_usr1;
  sigemptyset(&action.sa_mask);
  if (sigaction(SIGUSR1, &action, NULL) != 0)
    die("sigaction");
  sigset_t usr1, open_mask;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  if (sigprocmask(SIG_BLOCK, &usr1, &open_mask) != 0)
    die("sigprocmask");

  pid_t child = fork_or_die();
  if (child == 0) {
    usleep(100 * 1000); /* the parent is asleep in select() by now */
    kill(getppid(), SIGUSR1);
    /* Later than the handler's write: the child finds the race, and its
     * report is written while it exits through exit(). */
    usleep(300 * 1000);
    seg->word = 2; /* the child's write */
    exit(0);
  }
  while (!handled) {
    sigprocmask(SIG_SETMASK, &open_mask, NULL);
    struct timeval tick = {5, 0};
    select(0, NULL, NULL, NULL, &tick);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
  }
  int status = wait_child(child);
  printf("handled %d, child %d\n", (int)handled, status);
  shmdt(seg);
  return 0;
}
