// RUN: %shm_tidy --checks=-*,shm-unguarded-access %s -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=DEFAULT -implicit-check-not='{{warning|error}}:'
// RUN: %shm_tidy --checks=-*,shm-unguarded-access \
// RUN:   --config="{CheckOptions: {shm-unguarded-access.LockFunctions: 'region_lock;ipc::acquire', shm-unguarded-access.UnlockFunctions: 'region_unlock, ipc::release'}}" \
// RUN:   %s -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CONFIGURED --allow-empty -implicit-check-not='{{warning|error}}:'
// RUN: %shm_tidy --checks=-*,shm-unguarded-access --dump-config \
// RUN:   --config="{CheckOptions: {shm-unguarded-access.LockFunctions: 'region_lock'}}" -- \
// RUN:   | FileCheck %s -check-prefix=DUMP
//
// Locks the analysis cannot see (defined in another file, in a library)
// are named with the LockFunctions / UnlockFunctions options; the first
// argument names the lock.
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

struct region {
  int lock_word;
  long value;
};

// Defined elsewhere: the analysis sees only the declarations.
void region_lock(int *word);
void region_unlock(int *word);

static void update(struct region *r) {
  region_lock(&r->lock_word);
  r->value++;
  // DEFAULT: :[[@LINE-1]]:3: warning: read-modify-write of shared memory 'r->value' without holding a lock [shm-unguarded-access]
  region_unlock(&r->lock_word);
}

int main(void) {
  struct region *r = mmap(NULL, sizeof *r, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (r == MAP_FAILED)
    return 1;
  pid_t child = fork();
  update(r);
  if (child == 0)
    _exit(0);
  waitpid(child, NULL, 0);
  return 0;
}

// CONFIGURED-NOT: warning:
// DUMP: shm-unguarded-access.LockFunctions: region_lock
// DUMP: shm-unguarded-access.UnlockFunctions: ''
