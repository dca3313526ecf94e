// RUN: %shm_tidy --checks=-*,shm-shmat-result %s -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CHECK-MESSAGES -implicit-check-not='{{warning|error}}:'
// RUN: %shm_tidy --checks=-*,shm-shmat-result %s \
// RUN:   --config='{CheckOptions: {shm-shmat-result.CheckUncheckedUse: false, shm-shmat-result.CheckMmap: false}}' \
// RUN:   -- %clang_flags 2>&1 | FileCheck %s -check-prefix=NARROW -implicit-check-not='{{warning|error}}:'
//
// The fix-its (wrong comparisons only; unchecked uses have none): the fixed
// file compiles and the check has nothing left to say about it.
// RUN: cp %s %t.c
// RUN: %shm_tidy --checks=-*,shm-shmat-result --fix %t.c \
// RUN:   --config='{CheckOptions: {shm-shmat-result.CheckUncheckedUse: false}}' -- %clang_flags > %t.log 2>&1
// RUN: FileCheck %s -check-prefix=CHECK-FIXES --input-file=%t.c
// RUN: clang-19 -fsyntax-only -Wno-everything %t.c
// RUN: %shm_tidy --checks=-*,shm-shmat-result %t.c \
// RUN:   --config='{CheckOptions: {shm-shmat-result.CheckUncheckedUse: false}}' -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=FIXED --allow-empty
// FIXED-NOT: {{warning|error}}:
//
// Attach results tested the wrong way, or not at all, in the shapes real IPC
// code takes: results in locals, struct members and helpers' return values.
#include <assert.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

struct table {
  int count;
  char names[16][32];
};

// ---- comparisons with NULL ------------------------------------------------

int attach_compare_null(int id) {
  struct table *t = shmat(id, NULL, 0);
  if (t == NULL) {
    // CHECK-MESSAGES: :[[@LINE-1]]:7: warning: 't' compared with NULL, but 'shmat' returns (void *)-1 on failure [shm-shmat-result]
    // CHECK-MESSAGES: :[[@LINE-3]]:21: note: 'shmat' called here
    // NARROW: :[[@LINE-3]]:7: warning: 't' compared with NULL
    // CHECK-FIXES: {{^}}  if (t == (void *)-1) {
    perror("shmat");
    return -1;
  }
  t->count = 0;
  return 0;
}

int attach_not(int id) {
  char *log = (char *)shmat(id, 0, 0);
  if (!log)
    // CHECK-MESSAGES: :[[@LINE-1]]:7: warning: 'log' compared with NULL, but 'shmat' returns (void *)-1 on failure [shm-shmat-result]
    // NARROW: :[[@LINE-2]]:7: warning: 'log' compared with NULL
    // CHECK-FIXES: {{^}}  if (log == (void *)-1)
    exit(EXIT_FAILURE);
  log[0] = '\0';
  return 0;
}

int attach_truth(int id) {
  char *p = shmat(id, NULL, SHM_RDONLY);
  if (p)
    // CHECK-MESSAGES: :[[@LINE-1]]:7: warning: 'p' compared with NULL, but 'shmat' returns (void *)-1 on failure [shm-shmat-result]
    // NARROW: :[[@LINE-2]]:7: warning: 'p' compared with NULL
    // CHECK-FIXES: {{^}}  if (p != (void *)-1)
    return p[0];
  return -1;
}

int attach_in_condition(int id) {
  void *p;
  if ((p = shmat(id, NULL, 0)) == NULL)
    // CHECK-MESSAGES: :[[@LINE-1]]:7: warning: 'p' compared with NULL, but 'shmat' returns (void *)-1 on failure [shm-shmat-result]
    // NARROW: :[[@LINE-2]]:7: warning: 'p' compared with NULL
    // CHECK-FIXES: {{^}}  if ((p = shmat(id, NULL, 0)) == (void *)-1)
    return -1;
  memset(p, 0, sizeof(struct table));
  return 0;
}

int attach_direct(int id) {
  if (shmat(id, NULL, 0) == 0)
    // CHECK-MESSAGES: :[[@LINE-1]]:7: warning: result of 'shmat' compared with NULL, but it returns (void *)-1 on failure [shm-shmat-result]
    // NARROW: :[[@LINE-2]]:7: warning: result of 'shmat' compared with NULL
    // CHECK-FIXES: {{^}}  if (shmat(id, NULL, 0) == (void *)-1)
    return -1;
  return 0;
}

int attach_null_first(int id) {
  struct table *t = shmat(id, NULL, 0);
  if (NULL == t || t->count < 0)
    // CHECK-MESSAGES: :[[@LINE-1]]:7: warning: 't' compared with NULL, but 'shmat' returns (void *)-1 on failure [shm-shmat-result]
    // NARROW: :[[@LINE-2]]:7: warning: 't' compared with NULL
    // CHECK-FIXES: {{^}}  if ((void *)-1 == t || t->count < 0)
    return -1;
  return t->count;
}

int attach_ternary(int id) {
  struct table *t = shmat(id, NULL, 0);
  return t ? t->count : -1;
  // CHECK-MESSAGES: :[[@LINE-1]]:10: warning: 't' compared with NULL, but 'shmat' returns (void *)-1 on failure [shm-shmat-result]
  // NARROW: :[[@LINE-2]]:10: warning: 't' compared with NULL
    // CHECK-FIXES: {{^}}  return t != (void *)-1 ? t->count : -1;
}

struct client {
  int shm_id;
  struct table *table;
};

int client_attach(struct client *c) {
  c->table = shmat(c->shm_id, NULL, 0);
  if (c->table == NULL)
    // CHECK-MESSAGES: :[[@LINE-1]]:7: warning: 'c->table' compared with NULL, but 'shmat' returns (void *)-1 on failure [shm-shmat-result]
    // NARROW: :[[@LINE-2]]:7: warning: 'c->table' compared with NULL
    // CHECK-FIXES: {{^}}  if (c->table == (void *)-1)
    return -1;
  return 0;
}

// A helper that returns the raw result: its callers must test for (void *)-1.
static void *map_segment(int id) { return shmat(id, NULL, 0); }

int helper_compare_null(int id) {
  struct table *t = map_segment(id);
  if (t == NULL)
    // CHECK-MESSAGES: :[[@LINE-1]]:7: warning: 't' compared with NULL, but 'map_segment' returns (void *)-1 on failure [shm-shmat-result]
    // CHECK-MESSAGES: :[[@LINE-3]]:21: note: 'map_segment' called here
    // CHECK-MESSAGES: :[[@LINE-7]]:36: note: 'map_segment' returns the result of 'shmat' without checking it
    // NARROW: :[[@LINE-4]]:7: warning: 't' compared with NULL
    // CHECK-FIXES: {{^}}  if (t == (void *)-1)
    return -1;
  return t->count;
}

int posix_compare_null(const char *name) {
  int fd = shm_open(name, O_RDWR, 0);
  if (fd < 0)
    return -1;
  struct table *t =
      mmap(NULL, sizeof *t, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (t == NULL)
    // CHECK-MESSAGES: :[[@LINE-1]]:7: warning: 't' compared with NULL, but 'mmap' returns MAP_FAILED on failure [shm-shmat-result]
    // CHECK-FIXES: {{^}}  if (t == MAP_FAILED)
    return -1;
  return t->count;
}

// ---- uses never compared with the failure value ----------------------------

void unchecked_use(int id) {
  struct table *t = shmat(id, NULL, 0);
  t->count = 0;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 't' used without checking the result of 'shmat' for (void *)-1 [shm-shmat-result]
  // CHECK-MESSAGES: :[[@LINE-3]]:21: note: 'shmat' called here
  t->count++; // reported once per attach
}

void unchecked_library_call(int id) {
  char *buf = shmat(id, NULL, 0);
  strcpy(buf, "ready");
  // CHECK-MESSAGES: :[[@LINE-1]]:10: warning: 'buf' used without checking the result of 'shmat' for (void *)-1 [shm-shmat-result]
}

void unchecked_direct(int id) {
  memset(shmat(id, NULL, 0), 0, sizeof(struct table));
  // CHECK-MESSAGES: :[[@LINE-1]]:10: warning: result of 'shmat' used without checking it for (void *)-1 [shm-shmat-result]
}

void unchecked_alias(int id) {
  void *raw = shmat(id, NULL, 0);
  struct table *t = raw;
  t->names[0][0] = 'a';
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 't' used without checking the result of 'shmat' for (void *)-1 [shm-shmat-result]
}

void unchecked_on_one_path(int id, int verbose) {
  struct table *t = shmat(id, NULL, 0);
  if (verbose) {
    if (t == (void *)-1)
      return;
  }
  t->count = 1;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: 't' used without checking the result of 'shmat' for (void *)-1 [shm-shmat-result]
}

void unchecked_mmap(int fd) {
  int *counter = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  *counter = 0;
  // CHECK-MESSAGES: :[[@LINE-1]]:4: warning: 'counter' used without checking the result of 'mmap' for MAP_FAILED [shm-shmat-result]
}

// ---- correct error handling: no diagnostics ---------------------------------

int checked_cast(int id) {
  struct table *t = shmat(id, NULL, 0);
  if (t == (void *)-1) {
    perror("shmat");
    return -1;
  }
  t->count = 0;
  return 0;
}

int checked_in_condition(int id) {
  void *p;
  if ((p = shmat(id, NULL, 0)) == (void *) -1)
    return -1;
  struct table *t = p;
  return t->count;
}

int checked_as_integer(int id) {
  char *p = shmat(id, NULL, 0);
  if ((intptr_t)p == -1)
    return -1;
  return p[0];
}

int checked_map_failed_macro(int id) {
  char *p = shmat(id, NULL, 0);
  if (p == MAP_FAILED)
    return -1;
  return p[0];
}

#define SHM_FAILED ((void *)-1)
int checked_own_macro(int id) {
  char *p = shmat(id, NULL, 0);
  if (p != SHM_FAILED)
    return p[0];
  return -1;
}

int checked_both(int id) {
  char *p = shmat(id, NULL, 0);
  if (p == NULL || p == (char *)-1) // the NULL test is redundant, not wrong
    return -1;
  return p[0];
}

int checked_assert(int id) {
  char *p = shmat(id, NULL, 0);
  assert(p != (void *)-1);
  return p[0];
}

int checked_retry(int id) {
  char *p;
  while ((p = shmat(id, NULL, 0)) == (void *)-1)
    sleep(1);
  return p[0];
}

int checked_member(struct client *c) {
  c->table = shmat(c->shm_id, NULL, 0);
  if (c->table == (void *)-1)
    return -1;
  return c->table->count;
}

// A helper that checks and reports failure with NULL: NULL is right here.
static struct table *attach_table(int id) {
  void *p = shmat(id, NULL, 0);
  if (p == (void *)-1)
    return NULL;
  return p;
}

int helper_checked(int id) {
  struct table *t = attach_table(id);
  if (!t)
    return -1;
  return t->count;
}

int raw_helper_checked(int id) {
  struct table *t = map_segment(id);
  if (t == (void *)-1)
    return -1;
  return t->count;
}

static void die_if_failed(const void *p, const char *what) {
  if (p == (void *)-1) {
    perror(what);
    exit(EXIT_FAILURE);
  }
}

int checked_by_helper(int id) {
  struct table *t = shmat(id, NULL, 0);
  die_if_failed(t, "shmat");
  return t->count;
}

int mmap_checked(int fd) {
  struct table *t =
      mmap(NULL, sizeof *t, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (t == MAP_FAILED)
    return -1;
  return t->count;
}

void detach_only(int id) {
  void *p = shmat(id, NULL, 0);
  printf("attached at %p\n", p); // not a dereference
  shmdt(p);
}

int private_mapping(void) {
  // Out of scope: a private anonymous mapping.
  int *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == NULL)
    return -1;
  return *p;
}

// ---- results kept in globals and fields, tested elsewhere --------------------

static struct table *g_table;
static struct table *g_checked_table;

static void attach_global(int id) { g_table = shmat(id, NULL, 0); }

static void attach_global_checked(int id) {
  g_checked_table = shmat(id, NULL, 0);
  if (g_checked_table == (void *)-1)
    exit(EXIT_FAILURE);
}

static void attach_client(struct client *c) { c->table = shmat(c->shm_id, NULL, 0); }

int start(int id) {
  attach_global(id);
  if (g_table == NULL)
    // CHECK-MESSAGES: :[[@LINE-1]]:7: warning: 'g_table' compared with NULL, but 'shmat' returns (void *)-1 on failure [shm-shmat-result]
    // NARROW: :[[@LINE-2]]:7: warning: 'g_table' compared with NULL
    // CHECK-FIXES: {{^}}  if (g_table == (void *)-1)
    return -1;
  attach_global_checked(id + 1);
  if (g_checked_table == NULL) // checked where it was attached
    return -1;
  struct client c = {id + 2, NULL};
  attach_client(&c);
  if (!c.table)
    // CHECK-MESSAGES: :[[@LINE-1]]:7: warning: 'c.table' compared with NULL, but 'shmat' returns (void *)-1 on failure [shm-shmat-result]
    // NARROW: :[[@LINE-2]]:7: warning: 'c.table' compared with NULL
    // CHECK-FIXES: {{^}}  if (c.table == (void *)-1)
    return -1;
  return 0;
}

int checked_sign(int id) {
  char *p = shmat(id, NULL, 0);
  if ((long)p < 0) // catches (void *)-1 as well
    return -1;
  return p[0];
}

int lazy_attach(int id) {
  // NULL means "not attached yet" here, not a failed attach.
  if (!g_table)
    attach_global(id);
  return g_table == (void *)-1 ? -1 : g_table->count;
}

void unchecked_print(int id) {
  const char *banner = shmat(id, NULL, SHM_RDONLY);
  printf("segment %d at %p\n", id, (const void *)banner); // only the address
  printf("banner: %s\n", banner);
  // CHECK-MESSAGES: :[[@LINE-1]]:26: warning: 'banner' used without checking the result of 'shmat' for (void *)-1 [shm-shmat-result]
}
