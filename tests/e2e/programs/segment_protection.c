/* mprotect and munmap by the program on part of a System V attachment: the
 * runtime keeps the view watched and the program's own protection in force,
 * and everything the program sees (values, its own faults, shm_nattch)
 * is the same as without the runtime. A child forked afterwards writes a
 * byte of the middle page while the parent reads it: with "race" that is
 * unordered and reported at its segment offset.
 *
 * Usage: segment_protection clean|race */
#define _GNU_SOURCE /* sigjmp_buf, sigaction */
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>

#include "e2e_util.h"

#define PAGE 4096

static sigjmp_buf g_fault;

static void on_fault(int sig) {
  (void)sig;
  siglongjmp(g_fault, 1);
}

static unsigned long attach_count(int shmid) {
  struct shmid_ds ds;
  if (shmctl(shmid, IPC_STAT, &ds) != 0)
    die("shmctl");
  return (unsigned long)ds.shm_nattch;
}

int main(int argc, char **argv) {
  const int race = argc > 1 && strcmp(argv[1], "race") == 0;
  int shmid;
  char *seg = new_segment(3 * PAGE, &shmid);
  seg[0x10] = 'a';
  seg[PAGE + 0x10] = 'b';
  seg[2 * PAGE + 0x10] = 'c';

  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_fault;
  sigemptyset(&action.sa_mask);
  if (sigaction(SIGSEGV, &action, NULL) != 0)
    die("sigaction");
  if (mprotect(seg + PAGE, PAGE, PROT_READ) != 0)
    die("mprotect");
  printf("read-only: %c", seg[PAGE + 0x10]);
  if (sigsetjmp(g_fault, 1) == 0) {
    seg[PAGE + 0x10] = 'x';
    printf(", written\n");
  } else {
    printf(", write refused\n");
  }
  if (mprotect(seg + PAGE, PAGE, PROT_READ | PROT_WRITE) != 0)
    die("mprotect");
  signal(SIGSEGV, SIG_DFL);
  seg[PAGE + 0x10] = 'B';
  printf("attach count after mprotect: %lu\n", attach_count(shmid));

  if (munmap(seg + 2 * PAGE, PAGE) != 0)
    die("munmap");
  printf("attach count after munmap: %lu\n", attach_count(shmid));

  pid_t child = fork_or_die();
  if (child == 0) {
    seg[PAGE + 0x20] = 'e'; /* the child's write, segment offset 0x1020 */
    shmdt(seg);
    _exit(0);
  }
  char seen = race ? seg[PAGE + 0x20] /* the parent's read, unordered */ : 0;
  (void)seen;
  int status = wait_child(child);
  printf("child %d: %c %c %c\n", status, seg[0x10], seg[PAGE + 0x10],
         seg[PAGE + 0x20]);
  if (shmdt(seg) != 0)
    die("shmdt");
  printf("detached\n");
  return 0;
}
