// RUN: %shm_tidy --checks=-*,shm-pointer-in-segment %s -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CHECK-MESSAGES -implicit-check-not='{{warning|error}}:'
//
// A free list and a message log kept in shared memory.
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

struct node {
  int value;
  struct node *next;  // a pointer field: only wrong once a pointer goes in
  size_t next_offset; // the portable form
  int next_index;
};

struct pool {
  struct node nodes[32];
  struct node *free_list;
  size_t free_offset;
  char *log;
  uintptr_t log_address;
  const char *owner;
  void (*on_full)(void);
  char name[16];
};

static void report_full(void) {}

static struct pool *attach_pool(int id) {
  struct pool *p = shmat(id, NULL, 0);
  return p == (void *)-1 ? NULL : p;
}

// ---- reported ---------------------------------------------------------------

void link_nodes(struct pool *p) {
  for (int i = 0; i + 1 < 32; ++i)
    p->nodes[i].next = &p->nodes[i + 1];
  // CHECK-MESSAGES: :[[@LINE-1]]:5: warning: pointer stored into shared memory 'p->nodes[i].next' is only valid in this process; store an offset instead [shm-pointer-in-segment]
  p->free_list = &p->nodes[0];
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: pointer stored into shared memory 'p->free_list' is only valid in this process; store an offset instead [shm-pointer-in-segment]
}

void add_log(struct pool *p) {
  p->log = malloc(4096);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: pointer stored into shared memory 'p->log' is only valid in this process; store an offset instead [shm-pointer-in-segment]
  p->log_address = (uintptr_t)p->log;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: pointer stored into shared memory 'p->log_address' is only valid in this process; store an offset instead [shm-pointer-in-segment]
  p->owner = "writer";
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: pointer stored into shared memory 'p->owner' is only valid in this process; store an offset instead [shm-pointer-in-segment]
  p->on_full = report_full;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: pointer stored into shared memory 'p->on_full' is only valid in this process; store an offset instead [shm-pointer-in-segment]
}

void push(struct pool *p, struct node *n) {
  struct node *head = p->free_list;
  n->next = head;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: pointer stored into shared memory 'n->next' is only valid in this process; store an offset instead [shm-pointer-in-segment]
}

int setup(int id) {
  struct pool *p = attach_pool(id);
  if (!p)
    return -1;
  link_nodes(p);
  add_log(p);
  push(p, &p->nodes[3]);
  return 0;
}

int setup_posix(const char *name) {
  int fd = shm_open(name, O_CREAT | O_RDWR, 0600);
  if (fd < 0 || ftruncate(fd, sizeof(struct pool)) < 0)
    return -1;
  struct pool *p = mmap(NULL, sizeof *p, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (p == MAP_FAILED)
    return -1;
  *p = (struct pool){.owner = "setup", .free_offset = 0};
  // CHECK-MESSAGES: :[[@LINE-1]]:31: warning: pointer stored into shared memory 'owner' is only valid in this process; store an offset instead [shm-pointer-in-segment]
  return 0;
}

// Shared with children through fork.
int setup_forked(void) {
  struct pool *p = mmap(NULL, sizeof *p, PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    return -1;
  p->free_list = &p->nodes[0];
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: pointer stored into shared memory 'p->free_list' is only valid in this process; store an offset instead [shm-pointer-in-segment]
  p->log = malloc(64);
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: pointer stored into shared memory 'p->log' is only valid in this process; store an offset instead [shm-pointer-in-segment]
  if (fork() == 0)
    _exit(0);
  return 0;
}

// ---- correct: no diagnostics ------------------------------------------------

void link_by_offset(struct pool *p) {
  for (int i = 0; i + 1 < 32; ++i) {
    p->nodes[i].next_offset = offsetof(struct pool, nodes) + (size_t)(i + 1) * sizeof(struct node);
    p->nodes[i].next_index = i + 1;
    p->nodes[i].next = NULL;
  }
  p->free_offset = (size_t)((char *)&p->nodes[0] - (char *)p);
  p->log_address = (uintptr_t)&p->nodes[1] - (uintptr_t)p;
  p->free_list = 0;
  strcpy(p->name, "pool");
}

struct node *first_free(struct pool *p) {
  // Pointers computed from offsets live in locals, not in the segment.
  struct node *n = (struct node *)((char *)p + p->free_offset);
  struct node *cursor = &p->nodes[0];
  while (cursor->next_index != 0)
    cursor = &p->nodes[cursor->next_index];
  return n == cursor ? n : NULL;
}

int setup_offsets(int id) {
  struct pool *p = attach_pool(id);
  if (!p)
    return -1;
  link_by_offset(p);
  return first_free(p) != NULL;
}

int setup_fixed_address(int id) {
  // Attached at an address every process agrees on.
  struct pool *p = shmat(id, (void *)0x7f0000000000, 0);
  if (p == (void *)-1)
    return -1;
  p->free_list = &p->nodes[0];
  return 0;
}

struct local_list {
  struct node *head;
};

void private_list(struct local_list *l, struct node *n) {
  l->head = n; // process-private memory
  n->next = NULL;
}
