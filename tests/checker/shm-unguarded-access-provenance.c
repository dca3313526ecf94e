// RUN: %shm_tidy --checks=-*,shm-unguarded-access %s -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CHECK-MESSAGES -implicit-check-not='{{warning|error}}:'
// RUN: %shm_tidy --checks=-*,shm-unguarded-access %s -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CHECK-NOTES
//
// How a pointer into a System V segment travels through a program: helpers,
// out-parameters, globals, statics, struct members, casts, arithmetic,
// nested members, arrays of pointers, parameters. Each racy function has a
// twin that takes the lock and must stay silent.
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

struct slot {
  int value;
  int owner;
};

struct table {
  pthread_mutex_t lock;
  long hits;
  struct slot slots[16];
  int raw[32];
  char log[64];
};

struct context {
  const char *name;
  struct table *tab; // assigned a shared pointer in open_context()
};

static struct table *g_table;         // global assigned from attach()
static struct table *g_tables[2];     // array of shared pointers
static struct context g_ctx;

static struct table *attach(int id) {
  void *p = shmat(id, NULL, 0);
  return p == (void *)-1 ? NULL : (struct table *)p;
}

static int attach_out(int id, struct table **out) {
  *out = shmat(id, NULL, 0);
  return *out == (void *)-1 ? -1 : 0;
}

static void open_context(struct context *c, struct table *t) {
  c->name = "table";
  c->tab = t;
}

static struct table *cached(void) {
  static struct table *once; // static local
  if (!once)
    once = g_table;
  return once;
}

// --- racy ------------------------------------------------------------------

static void through_global(void) {
  g_table->hits++;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: read-modify-write of shared memory 'g_table->hits' without holding a lock [shm-unguarded-access]
  // CHECK-NOTES: :[[@LINE-2]]:3: warning: read-modify-write of shared memory 'g_table->hits'
  // CHECK-NOTES: :42:13: note: 'g_table' points into shared memory attached here
}

static void through_static(void) {
  cached()->raw[3] = 1;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: write to shared memory 'cached()->raw[3]' without holding a lock [shm-unguarded-access]
}

static void through_member(struct context *c, int i) {
  c->tab->slots[i].value = 2;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: write to shared memory 'c->tab->slots[i].value' without holding a lock [shm-unguarded-access]
  // CHECK-NOTES: :[[@LINE-2]]:3: warning: write to shared memory 'c->tab->slots[i].value'
  // CHECK-NOTES: :42:13: note: 'c->tab' points into shared memory attached here
  g_ctx.tab->slots[i].owner = (int)getpid();
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: write to shared memory 'g_ctx.tab->slots[i].owner' without holding a lock [shm-unguarded-access]
}

static void through_casts(struct table *t) {
  char *bytes = (char *)t;
  int *cells = (int *)(bytes + offsetof(struct table, raw));
  cells[5] = 7;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: write to shared memory 'cells[5]' without holding a lock [shm-unguarded-access]
  uintptr_t base = (uintptr_t)t;
  long *hits = (long *)(base + offsetof(struct table, hits));
  *hits += 1;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: read-modify-write of shared memory '*hits' without holding a lock [shm-unguarded-access]
}

static void through_field_address(int *value) {
  (*value)--;
  // CHECK-MESSAGES: :[[@LINE-1]]:4: warning: read-modify-write of shared memory '*value' without holding a lock [shm-unguarded-access]
  // CHECK-NOTES: :[[@LINE-2]]:4: warning: read-modify-write of shared memory '*value'
  // CHECK-NOTES: :{{[0-9]+}}:3: note: shared memory is passed to 'through_field_address' here
  // CHECK-NOTES: :42:13: note: 'value' points into shared memory attached here
}

static void through_array(int i) {
  g_tables[i]->raw[i] = i;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: write to shared memory 'g_tables[i]->raw[i]' without holding a lock [shm-unguarded-access]
}

static void through_out_parameter(int id) {
  struct table *t;
  if (attach_out(id, &t) != 0)
    return;
  memset(t->log, 0, sizeof t->log);
  // CHECK-MESSAGES: :[[@LINE-1]]:10: warning: write to shared memory 't->log' without holding a lock [shm-unguarded-access]
  // CHECK-NOTES: :[[@LINE-2]]:10: warning: write to shared memory 't->log'
  // CHECK-NOTES: :47:10: note: 't' points into shared memory attached here
  shmdt(t);
}

// --- guarded twins: the same accesses under the segment's mutex -------------

static void through_global_locked(void) {
  pthread_mutex_lock(&g_table->lock);
  g_table->hits++;
  pthread_mutex_unlock(&g_table->lock);
}

static void through_member_locked(struct context *c, int i) {
  pthread_mutex_lock(&c->tab->lock);
  c->tab->slots[i].value = 2;
  g_ctx.tab->slots[i].owner = (int)getpid();
  pthread_mutex_unlock(&c->tab->lock);
}

static void through_casts_locked(struct table *t) {
  pthread_mutex_lock(&t->lock);
  int *cells = (int *)((char *)t + offsetof(struct table, raw));
  cells[5] = 7;
  long *hits = &t->hits;
  *hits += 1;
  pthread_mutex_unlock(&t->lock);
}

static void through_field_address_locked(struct table *t, int *value) {
  pthread_mutex_lock(&t->lock);
  (*value)--;
  pthread_mutex_unlock(&t->lock);
}

static void through_out_parameter_locked(int id) {
  struct table *t;
  if (attach_out(id, &t) != 0)
    return;
  pthread_mutex_lock(&t->lock);
  memset(t->log, 0, sizeof t->log);
  t->raw[3] = 1;
  pthread_mutex_unlock(&t->lock);
  shmdt(t);
}

int main(void) {
  int id = shmget(IPC_PRIVATE, sizeof(struct table), IPC_CREAT | 0600);
  g_table = attach(id);
  if (!g_table)
    return 1;
  g_tables[0] = g_table;
  open_context(&g_ctx, g_table);
  pid_t child = fork();
  through_global();
  through_static();
  through_member(&g_ctx, 1);
  through_casts(g_table);
  through_field_address(&g_table->slots[2].value);
  through_array(0);
  through_out_parameter(id);
  through_global_locked();
  through_member_locked(&g_ctx, 1);
  through_casts_locked(g_table);
  through_field_address_locked(g_table, &g_table->slots[2].value);
  through_out_parameter_locked(id);
  if (child == 0)
    _exit(0);
  waitpid(child, NULL, 0);
  shmctl(id, IPC_RMID, NULL);
  return 0;
}
