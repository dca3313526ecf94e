// RUN: cp %s %t.c
// RUN: %shm_tidy --checks=-*,shm-insecure-permissions --fix %t.c -- %clang_flags > %t.log 2>&1
// RUN: FileCheck %s -check-prefix=CHECK-FIXES --input-file=%t.c
// RUN: clang-19 -fsyntax-only -Wno-everything %t.c
// RUN: %shm_tidy --checks=-*,shm-insecure-permissions %t.c -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=FIXED --allow-empty
// FIXED-NOT: {{warning|error}}:
//
// RUN: cp %s %t.strict.c
// RUN: %shm_tidy --checks=-*,shm-insecure-permissions --fix %t.strict.c \
// RUN:   --config='{CheckOptions: {shm-insecure-permissions.AllowGroupWrite: false}}' -- %clang_flags > %t.log 2>&1
// RUN: FileCheck %s -check-prefix=STRICT-FIXES --input-file=%t.strict.c
// RUN: %shm_tidy --checks=-*,shm-insecure-permissions %t.strict.c \
// RUN:   --config='{CheckOptions: {shm-insecure-permissions.AllowGroupWrite: false}}' -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=FIXED --allow-empty
//
// Literal modes get the owner+group mode; IPC_CREAT and friends stay.
#include <fcntl.h>
#include <semaphore.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/shm.h>

int create(key_t key) {
  int table = shmget(key, 4096, IPC_CREAT | 0666);
  // CHECK-FIXES: {{^}}  int table = shmget(key, 4096, IPC_CREAT | 0660);
  // STRICT-FIXES: {{^}}  int table = shmget(key, 4096, IPC_CREAT | 0640);
  int locks = semget(key, 4, IPC_CREAT | IPC_EXCL | 0777);
  // CHECK-FIXES: {{^}}  int locks = semget(key, 4, IPC_CREAT | IPC_EXCL | 0770);
  // STRICT-FIXES: {{^}}  int locks = semget(key, 4, IPC_CREAT | IPC_EXCL | 0750);
  int scratch = shmget(IPC_PRIVATE, 4096, 01666);
  // CHECK-FIXES: {{^}}  int scratch = shmget(IPC_PRIVATE, 4096, 01660);
  // STRICT-FIXES: {{^}}  int scratch = shmget(IPC_PRIVATE, 4096, 01640);
  int group = shmget(key + 1, 4096, IPC_CREAT | 0660);
  // CHECK-FIXES: {{^}}  int group = shmget(key + 1, 4096, IPC_CREAT | 0660);
  // STRICT-FIXES: {{^}}  int group = shmget(key + 1, 4096, IPC_CREAT | 0640);
  return table + locks + scratch + group;
}

int open_objects(const char *name) {
  int fd = shm_open(name, O_CREAT | O_RDWR, 0666);
  // CHECK-FIXES: {{^}}  int fd = shm_open(name, O_CREAT | O_RDWR, 0660);
  // STRICT-FIXES: {{^}}  int fd = shm_open(name, O_CREAT | O_RDWR, 0640);
  sem_t *sem = sem_open(name, O_CREAT, 0646, 1);
  // CHECK-FIXES: {{^}}  sem_t *sem = sem_open(name, O_CREAT, 0640, 1);
  // STRICT-FIXES: {{^}}  sem_t *sem = sem_open(name, O_CREAT, 0640, 1);
  return fd + (sem == SEM_FAILED);
}
