/* Helpers shared by the end-to-end test programs.
 *
 * The programs are ordinary C, built without instrumentation and without
 * linking shmcheck: the runtime checks them through LD_PRELOAD, exactly as a
 * user's program. Every IPC object they make is cleaned up by themselves:
 * segments are marked for removal right after the first attach (the kernel
 * frees them with the last detach, even after a crash); semaphores, which
 * have no such mode, use keys and names from the test driver
 * (SHMCHECK_E2E_KEY, SHMCHECK_E2E_TOKEN) so that the driver can remove them
 * if the program dies first. */
#ifndef SHMCHECK_E2E_UTIL_H
#define SHMCHECK_E2E_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

static inline void die(const char *what) {
  perror(what);
  exit(2);
}

/* argv[index] as a number, or `fallback`. */
static inline long arg_long(int argc, char **argv, int index, long fallback) {
  return argc > index ? atol(argv[index]) : fallback;
}

/* A new private segment of `size` bytes, attached and already marked for
 * removal. */
static inline void *new_segment(size_t size, int *shmid_out) {
  int shmid = shmget(IPC_PRIVATE, size, IPC_CREAT | 0600);
  if (shmid == -1)
    die("shmget");
  void *seg = shmat(shmid, NULL, 0);
  if (seg == (void *)-1) {
    shmctl(shmid, IPC_RMID, NULL);
    die("shmat");
  }
  shmctl(shmid, IPC_RMID, NULL);
  if (shmid_out)
    *shmid_out = shmid;
  return seg;
}

/* The n-th IPC key reserved for this test run. */
static inline key_t test_key(int n) {
  const char *base = getenv("SHMCHECK_E2E_KEY");
  long k = base ? strtol(base, NULL, 0) : 0x5e0e0000;
  return (key_t)(k + n);
}

/* "/shmcheck-e2e-<token>-<what>": a POSIX name reserved for this run. */
static inline void test_name(char *out, size_t size, const char *what) {
  const char *token = getenv("SHMCHECK_E2E_TOKEN");
  char fallback[32];
  if (!token) {
    snprintf(fallback, sizeof fallback, "%d", (int)getpid());
    token = fallback;
  }
  snprintf(out, size, "/shmcheck-e2e-%s-%s", token, what);
}

/* Waits for `child`; returns its exit status (128+signal when killed). */
static inline int wait_child(pid_t child) {
  int status = 0;
  if (waitpid(child, &status, 0) != child)
    die("waitpid");
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

static inline pid_t fork_or_die(void) {
  pid_t pid = fork();
  if (pid == -1)
    die("fork");
  return pid;
}

#endif
