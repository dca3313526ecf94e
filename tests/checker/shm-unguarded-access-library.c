// RUN: %shm_tidy --checks=-*,shm-unguarded-access %s -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CHECK-MESSAGES -implicit-check-not='{{warning|error}}:'
//
// Library calls that read or write through a pointer into the segment are
// accesses at the call: memcpy, memset, strcpy, snprintf, printf("%s"),
// strlen, read, write, fwrite... Passing the pointer itself (printf("%p"),
// shmdt, sem_init on a semaphore in the segment) is not.
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

struct mailbox {
  pthread_mutex_t lock;
  char text[128];
  int header[4];
  size_t length;
};

static void post(struct mailbox *box, const char *message, int fd) {
  strncpy(box->text, message, sizeof box->text - 1);
  // CHECK-MESSAGES: :[[@LINE-1]]:11: warning: write to shared memory 'box->text' without holding a lock [shm-unguarded-access]
  memcpy(&box->header, "HDR", 4);
  // CHECK-MESSAGES: :[[@LINE-1]]:10: warning: write to shared memory 'box->header' without holding a lock [shm-unguarded-access]
  snprintf(box->text, sizeof box->text, "%s!", message);
  // CHECK-MESSAGES: :[[@LINE-1]]:12: warning: write to shared memory 'box->text' without holding a lock [shm-unguarded-access]
  if (read(fd, box->text, 16) < 0)
    // CHECK-MESSAGES: :[[@LINE-1]]:16: warning: write to shared memory 'box->text' without holding a lock [shm-unguarded-access]
    return;
}

static void show(struct mailbox *box, FILE *out) {
  printf("%p %zu\n", (void *)box, sizeof box->text);
  printf("%d: %s\n", 1, box->text);
  // CHECK-MESSAGES: :[[@LINE-1]]:25: warning: read of shared memory 'box->text' without holding a lock [shm-unguarded-access]
  size_t n = strlen(box->text);
  // CHECK-MESSAGES: :[[@LINE-1]]:21: warning: read of shared memory 'box->text' without holding a lock [shm-unguarded-access]
  fwrite(box->header, sizeof(int), 4, out);
  // CHECK-MESSAGES: :[[@LINE-1]]:10: warning: read of shared memory 'box->header' without holding a lock [shm-unguarded-access]
  write(1, box->text, n);
  // CHECK-MESSAGES: :[[@LINE-1]]:12: warning: read of shared memory 'box->text' without holding a lock [shm-unguarded-access]
}

static void show_locked(struct mailbox *box) {
  pthread_mutex_lock(&box->lock);
  printf("%s\n", box->text);
  box->length = strlen(box->text);
  pthread_mutex_unlock(&box->lock);
}

static void post_locked(struct mailbox *box, const char *message) {
  pthread_mutex_lock(&box->lock);
  strcpy(box->text, message);
  memset(box->header, 0, sizeof box->header);
  pthread_mutex_unlock(&box->lock);
}

int main(int argc, char **argv) {
  int id = shmget(IPC_PRIVATE, sizeof(struct mailbox), IPC_CREAT | 0600);
  struct mailbox *box = shmat(id, NULL, 0);
  shmctl(id, IPC_RMID, NULL);
  if (box == (void *)-1)
    return 1;
  memset(box, 0, sizeof *box); // before fork
  pid_t child = fork();
  if (child == 0) {
    post(box, argc > 1 ? argv[1] : "hello", 0);
    post_locked(box, "again");
    shmdt(box);
    _exit(0);
  }
  show(box, stdout);
  show_locked(box);
  waitpid(child, NULL, 0);
  printf("%s\n", box->text); // the child is gone
  shmdt(box);
  return 0;
}
