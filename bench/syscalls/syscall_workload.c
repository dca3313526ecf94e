// A system-call-heavy loop for bench/syscalls/run.sh.
//
//   syscall_workload SEGMENT CALL ITERATIONS
//
// SEGMENT: none (no shared segment), idle (a System V segment attached and
// touched once, the calls' memory elsewhere), touch (the calls' memory in
// the segment). CALL: getppid, pipe (write then read 64 bytes), fstat, poll,
// clock_cpu (clock_gettime of the process CPU clock: a real system call),
// stdio (fwrite + fflush of 64 bytes to /dev/null), lseek (of /dev/null),
// kill (signal 0 to itself). Prints ns per iteration.
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s none|idle|touch CALL ITERATIONS\n", argv[0]);
    return 2;
  }
  const char *segment = argv[1], *call = argv[2];
  const long iterations = atol(argv[3]);
  static char heap[65536];
  char *memory = heap;
  if (strcmp(segment, "none") != 0) {
    int id = shmget(IPC_PRIVATE, 65536, IPC_CREAT | 0600);
    char *s = shmat(id, NULL, 0);
    shmctl(id, IPC_RMID, NULL);
    if (s == (char *)-1)
      return 3;
    s[0] = 1;
    if (strcmp(segment, "touch") == 0)
      memory = s;
  }
  int p[2];
  if (pipe(p) != 0)
    return 3;
  FILE *devnull = fopen("/dev/null", "w");
  struct pollfd *fds = (struct pollfd *)(memory + 1024);
  fds[0] = (struct pollfd){p[0], POLLIN, 0};
  const pid_t self = getpid();
  const long long start = now_ns();
  for (long i = 0; i < iterations; ++i) {
    if (strcmp(call, "getppid") == 0) {
      getppid();
    } else if (strcmp(call, "pipe") == 0) {
      if (write(p[1], memory + 2048, 64) != 64 || read(p[0], memory + 4096, 64) != 64)
        return 4;
    } else if (strcmp(call, "fstat") == 0) {
      fstat(p[0], (struct stat *)(memory + 8192));
    } else if (strcmp(call, "poll") == 0) {
      poll(fds, 1, 0);
    } else if (strcmp(call, "clock_cpu") == 0) {
      clock_gettime(CLOCK_PROCESS_CPUTIME_ID, (struct timespec *)(memory + 512));
    } else if (strcmp(call, "stdio") == 0) {
      fwrite(memory + 16384, 1, 64, devnull);
      fflush(devnull);
    } else if (strcmp(call, "lseek") == 0) {
      lseek(fileno(devnull), 0, SEEK_SET);
    } else if (strcmp(call, "kill") == 0) {
      kill(self, 0);
    } else {
      return 2;
    }
  }
  printf("%.1f\n", (double)(now_ns() - start) / iterations);
  return 0;
}
