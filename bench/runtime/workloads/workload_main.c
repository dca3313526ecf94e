/* Runs one workload with two workers, as processes or as threads. */
#include "workload_main.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

enum { kWorkers = 2 };

struct thread_arg {
  void *shared;
  int worker;
  long iterations;
};

static void *thread_body(void *p) {
  struct thread_arg *arg = p;
  workload_run(arg->shared, arg->worker, arg->iterations);
  return NULL;
}

static int run_threads(long iterations) {
  void *shared = calloc(1, workload_shared_size());
  if (!shared)
    return 1;
  workload_init(shared, 0);
  pthread_t threads[kWorkers];
  struct thread_arg args[kWorkers];
  for (int w = 0; w < kWorkers; ++w) {
    args[w] = (struct thread_arg){shared, w, iterations};
    pthread_create(&threads[w], NULL, thread_body, &args[w]);
  }
  for (int w = 0; w < kWorkers; ++w)
    pthread_join(threads[w], NULL);
  int rc = workload_verify(shared, iterations);
  free(shared);
  return rc;
}

static int run_processes(long iterations) {
  int shmid = shmget(IPC_PRIVATE, workload_shared_size(), IPC_CREAT | 0600);
  if (shmid == -1) {
    perror("shmget");
    return 1;
  }
  void *shared = shmat(shmid, NULL, 0);
  shmctl(shmid, IPC_RMID, NULL); /* freed when the last worker detaches */
  if (shared == (void *)-1) {
    perror("shmat");
    return 1;
  }
  memset(shared, 0, workload_shared_size());
  workload_init(shared, 1);
  pid_t children[kWorkers];
  for (int w = 0; w < kWorkers; ++w) {
    children[w] = fork();
    if (children[w] == 0) {
      workload_run(shared, w, iterations);
      shmdt(shared);
      exit(0);
    }
  }
  int rc = 0;
  for (int w = 0; w < kWorkers; ++w) {
    int status = 0;
    if (children[w] < 0 || waitpid(children[w], &status, 0) < 0 ||
        !WIFEXITED(status) || WEXITSTATUS(status) != 0)
      rc = 1;
  }
  if (rc == 0)
    rc = workload_verify(shared, iterations);
  shmdt(shared);
  return rc;
}

int main(int argc, char **argv) {
  if (argc != 3 || (strcmp(argv[1], "--threads") && strcmp(argv[1], "--processes"))) {
    fprintf(stderr, "usage: %s --threads|--processes ITERATIONS\n", argv[0]);
    return 2;
  }
  long iterations = atol(argv[2]);
  int rc = strcmp(argv[1], "--threads") == 0 ? run_threads(iterations)
                                             : run_processes(iterations);
  if (rc != 0)
    fprintf(stderr, "%s: wrong result\n", argv[0]);
  return rc;
}
