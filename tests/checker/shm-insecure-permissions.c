// RUN: %shm_tidy --checks=-*,shm-insecure-permissions %s -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CHECK-MESSAGES -implicit-check-not='{{warning|error}}:'
// RUN: %shm_tidy --checks=-*,shm-insecure-permissions %s \
// RUN:   --config='{CheckOptions: {shm-insecure-permissions.AllowGroupWrite: false}}' -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefixes=CHECK-MESSAGES,STRICT -implicit-check-not='{{warning|error}}:'
//
// IPC objects created writable by other users; the default accepts group
// write, the strict configuration does not.
#include <fcntl.h>
#include <semaphore.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>

#define TABLE_PERMS 0666
#define PRIVATE_PERMS 0600
#define GROUP_PERMS 0660

struct table {
  int rows[64];
};

int create_table(key_t key) {
  int id = shmget(key, sizeof(struct table), IPC_CREAT | 0666);
  // CHECK-MESSAGES: :[[@LINE-1]]:46: warning: 'shmget' creates a segment writable by other users (mode 0666) [shm-insecure-permissions]
  return id;
}

int create_exclusive(key_t key) {
  return shmget(key, sizeof(struct table), IPC_CREAT | IPC_EXCL | 0777);
  // CHECK-MESSAGES: :[[@LINE-1]]:44: warning: 'shmget' creates a segment writable by other users (mode 0777) [shm-insecure-permissions]
}

int create_private(void) {
  // IPC_PRIVATE always creates, even without IPC_CREAT.
  return shmget(IPC_PRIVATE, sizeof(struct table), 0666);
  // CHECK-MESSAGES: :[[@LINE-1]]:52: warning: 'shmget' creates a segment writable by other users (mode 0666) [shm-insecure-permissions]
}

int create_from_macro(key_t key) {
  return shmget(key, sizeof(struct table), IPC_CREAT | TABLE_PERMS);
  // CHECK-MESSAGES: :[[@LINE-1]]:44: warning: 'shmget' creates a segment writable by other users (mode 0666) [shm-insecure-permissions]
}

int create_semaphores(key_t key) {
  return semget(key, 2, IPC_CREAT | 0622);
  // CHECK-MESSAGES: :[[@LINE-1]]:25: warning: 'semget' creates a semaphore set writable by other users (mode 0622) [shm-insecure-permissions]
}

int open_object(const char *name) {
  return shm_open(name, O_CREAT | O_RDWR, 0666);
  // CHECK-MESSAGES: :[[@LINE-1]]:43: warning: 'shm_open' creates a shared memory object writable by other users (mode 0666) [shm-insecure-permissions]
}

int open_object_symbolic(const char *name) {
  return shm_open(name, O_CREAT | O_EXCL | O_RDWR,
                  S_IRUSR | S_IWUSR | S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH);
  // CHECK-MESSAGES: :[[@LINE-1]]:19: warning: 'shm_open' creates a shared memory object writable by other users (mode 0666) [shm-insecure-permissions]
}

int open_object_variable(const char *name) {
  mode_t mode = 0666;
  return shm_open(name, O_CREAT | O_RDWR, mode);
  // CHECK-MESSAGES: :[[@LINE-1]]:43: warning: 'shm_open' creates a shared memory object writable by other users (mode 0666) [shm-insecure-permissions]
}

sem_t *open_semaphore(const char *name) {
  return sem_open(name, O_CREAT, 0666, 1);
  // CHECK-MESSAGES: :[[@LINE-1]]:34: warning: 'sem_open' creates a semaphore writable by other users (mode 0666) [shm-insecure-permissions]
}

// Group write: accepted by default, reported when AllowGroupWrite is false.
int create_group(key_t key) {
  return shmget(key, sizeof(struct table), IPC_CREAT | 0660);
  // STRICT: :[[@LINE-1]]:44: warning: 'shmget' creates a segment writable by its group (mode 0660) [shm-insecure-permissions]
}

int open_group_macro(const char *name) {
  return shm_open(name, O_CREAT | O_RDWR, GROUP_PERMS);
  // STRICT: :[[@LINE-1]]:43: warning: 'shm_open' creates a shared memory object writable by its group (mode 0660) [shm-insecure-permissions]
}

// ---- no diagnostics ---------------------------------------------------------

int create_owner_only(key_t key) {
  return shmget(key, sizeof(struct table), IPC_CREAT | IPC_EXCL | 0600);
}

int create_world_readable(key_t key) {
  return shmget(key, sizeof(struct table), IPC_CREAT | 0644);
}

int create_owner_macro(key_t key) {
  return shmget(key, sizeof(struct table), IPC_CREAT | PRIVATE_PERMS);
}

int attach_existing(key_t key) {
  // Without IPC_CREAT the mode is only an access check on an existing segment.
  return shmget(key, 0, 0666);
}

int create_configured(key_t key, int perms) {
  // A mode only known at run time is the caller's decision.
  return shmget(key, sizeof(struct table), IPC_CREAT | perms);
}

int open_existing(const char *name) {
  return shm_open(name, O_RDWR, 0666);
}

sem_t *open_existing_semaphore(const char *name) {
  return sem_open(name, 0);
}

int open_symbolic_owner(const char *name) {
  return shm_open(name, O_CREAT | O_RDWR, S_IRUSR | S_IWUSR);
}

int open_reassigned_mode(const char *name, int shared) {
  mode_t mode = 0666;
  if (!shared)
    mode = 0600;
  return shm_open(name, O_CREAT | O_RDWR, mode);
}
