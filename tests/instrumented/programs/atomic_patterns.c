/* Ways real programs order shared memory with atomics alone, each with a
 * racy twin. Two processes share one segment; the pattern and the variant
 * are chosen on the command line:
 *
 *   tas_release   test-and-set spinlock, released with
 *                 __atomic_store_n(RELEASE) (a plain mov on x86-64)
 *   tas_sync      __sync_lock_test_and_set / __sync_lock_release
 *   asm_xchgb     PostgreSQL's shape: TAS is inline `lock xchgb` after a
 *                 plain read, S_UNLOCK a compiler barrier and a volatile
 *                 store of 0
 *   cas_fetch_sub lock taken with a compare-exchange 0 -> 1, released with
 *                 an atomic fetch_sub
 *   flag_release  a payload published with a release store of a flag
 *                 (reset once with an exchange) and polled with acquire
 *                 loads (plain movs on x86-64)
 *   flag_plain_poll  the same flag polled with volatile plain loads
 *   seqlock       a sequence counter with relaxed atomic data and fences
 *
 * clean: the pattern as it is meant to be (no race). racy: the child
 * bypasses it (writes the guarded data without the lock, reads the payload
 * without waiting for the flag; for the seqlock, the writer stores the data
 * plainly).
 *
 * Usage: atomic_patterns PATTERN clean|racy [ITERATIONS] */
#include <sched.h>
#include <stdatomic.h>

#include "../../e2e/programs/e2e_util.h"

struct shared { /* lives in the segment */
  int lock;              /* the spinlock word (int or char wide) */
  int flag;
  unsigned seq;          /* seqlock sequence */
  int reads;             /* snapshots the seqlock reader has taken */
  long data;             /* guarded by the lock */
  long payload;          /* published by the flag */
  long snapshot[2];      /* written under the seqlock */
};

/* ---- the spinlocks ---------------------------------------------------- */

static void tas_release_lock(struct shared *s) {
  while (__atomic_exchange_n(&s->lock, 1, __ATOMIC_ACQUIRE))
    sched_yield();
}
static void tas_release_unlock(struct shared *s) {
  __atomic_store_n(&s->lock, 0, __ATOMIC_RELEASE);
}

static void tas_sync_lock(struct shared *s) {
  while (__sync_lock_test_and_set(&s->lock, 1))
    sched_yield();
}
static void tas_sync_unlock(struct shared *s) { __sync_lock_release(&s->lock); }

static int tas_asm(volatile char *lock) {
  char r = 1;
  __asm__ __volatile__("lock; xchgb %0,%1" : "+q"(r), "+m"(*lock) : : "memory");
  return r;
}
static void asm_xchgb_lock(struct shared *s) {
  volatile char *lock = (volatile char *)&s->lock;
  while (*lock || tas_asm(lock)) /* TAS_SPIN: read before the xchg */
    sched_yield();
}
static void asm_xchgb_unlock(struct shared *s) {
  __asm__ __volatile__("" : : : "memory");
  *(volatile char *)&s->lock = 0; /* S_UNLOCK */
}

static void cas_lock(struct shared *s) {
  int expected = 0;
  while (!__atomic_compare_exchange_n(&s->lock, &expected, 1, 0, __ATOMIC_ACQUIRE,
                                      __ATOMIC_RELAXED)) {
    expected = 0;
    sched_yield();
  }
}
static void cas_unlock(struct shared *s) { __atomic_fetch_sub(&s->lock, 1, __ATOMIC_RELEASE); }

struct spinlock_pattern {
  const char *name;
  void (*lock)(struct shared *);
  void (*unlock)(struct shared *);
};
static const struct spinlock_pattern spinlocks[] = {
    {"tas_release", tas_release_lock, tas_release_unlock},
    {"tas_sync", tas_sync_lock, tas_sync_unlock},
    {"asm_xchgb", asm_xchgb_lock, asm_xchgb_unlock},
    {"cas_fetch_sub", cas_lock, cas_unlock},
};

/* Both processes add to the guarded counter; the racy child skips the lock. */
static int run_spinlock(const struct spinlock_pattern *p, struct shared *s, int racy,
                        long n) {
  pid_t child = fork_or_die();
  int guarded = child != 0 || !racy;
  for (long i = 0; i < n; ++i) {
    if (guarded) {
      p->lock(s);
      s->data += 1; /* inside the lock */
      p->unlock(s);
    } else {
      s->data += 1; /* outside the lock */
    }
  }
  if (child == 0) {
    shmdt(s);
    _exit(0);
  }
  int status = wait_child(child);
  if (racy)
    printf("%s racy done\n", p->name);
  else
    printf("%s data %ld, expected %ld, child %d\n", p->name, s->data, 2 * n, status);
  return 0;
}

/* ---- a flag published with a release store ---------------------------- */

static int run_flag(struct shared *s, int racy, int plain_poll) {
  __atomic_exchange_n(&s->flag, 0, __ATOMIC_SEQ_CST); /* reset */
  pid_t child = fork_or_die();
  if (child == 0) {
    s->payload = 42; /* the payload written */
    __atomic_store_n(&s->flag, 1, __ATOMIC_RELEASE);
    shmdt(s);
    _exit(0);
  }
  if (!racy && plain_poll)
    while (!*(volatile int *)&s->flag)
      sched_yield();
  else if (!racy)
    while (!__atomic_load_n(&s->flag, __ATOMIC_ACQUIRE))
      sched_yield();
  long seen = s->payload; /* the payload read */
  int status = wait_child(child);
  if (racy)
    printf("flag racy done\n");
  else
    printf("flag payload %ld, child %d\n", seen, status);
  return 0;
}

/* ---- a seqlock ------------------------------------------------------- */

static void seq_write(struct shared *s, long value, int plain_data) {
  unsigned seq = atomic_load_explicit((_Atomic unsigned *)&s->seq, memory_order_relaxed);
  atomic_store_explicit((_Atomic unsigned *)&s->seq, seq + 1, memory_order_relaxed);
  atomic_thread_fence(memory_order_release);
  if (plain_data) {
    s->snapshot[0] = value, s->snapshot[1] = -value; /* plain data store */
  } else {
    atomic_store_explicit((_Atomic long *)&s->snapshot[0], value, memory_order_relaxed);
    atomic_store_explicit((_Atomic long *)&s->snapshot[1], -value, memory_order_relaxed);
  }
  atomic_store_explicit((_Atomic unsigned *)&s->seq, seq + 2, memory_order_release);
}

/* One consistent snapshot; returns the sequence it was read at. */
static unsigned seq_read(struct shared *s, long *a, long *b) {
  unsigned before, after;
  do {
    before = atomic_load_explicit((_Atomic unsigned *)&s->seq, memory_order_acquire);
    *a = atomic_load_explicit((_Atomic long *)&s->snapshot[0], memory_order_relaxed),
    *b = atomic_load_explicit((_Atomic long *)&s->snapshot[1], memory_order_relaxed); /* data load */
    atomic_thread_fence(memory_order_acquire);
    after = atomic_load_explicit((_Atomic unsigned *)&s->seq, memory_order_relaxed);
  } while ((before & 1) != 0 || before != after);
  return before;
}

static int run_seqlock(struct shared *s, int racy, long n) {
  pid_t child = fork_or_die();
  if (child == 0) {
    long a = 0, b = 0;
    int torn = 0;
    unsigned seen;
    do {
      seen = seq_read(s, &a, &b);
      torn += a != -b;
      /* Relaxed: tells the writer that reads are under way, orders nothing. */
      atomic_fetch_add_explicit((_Atomic int *)&s->reads, 1, memory_order_relaxed);
    } while (seen < 2 * (unsigned)n);
    shmdt(s);
    _exit(torn == 0 ? 0 : 1);
  }
  for (long i = 1; i <= n; ++i) {
    seq_write(s, i, racy);
    /* The rest of the writes overlap the reads. */
    while (i == 1 && atomic_load_explicit((_Atomic int *)&s->reads, memory_order_relaxed) < 3)
      sched_yield();
    if (i % 8 == 0)
      sched_yield();
  }
  int status = wait_child(child);
  if (racy)
    printf("seqlock racy done\n");
  else
    printf("seqlock writes %ld, child %d\n", n, status);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3)
    return 2;
  const char *pattern = argv[1];
  int racy = strcmp(argv[2], "racy") == 0;
  long n = arg_long(argc, argv, 3, 200);
  struct shared *s = new_segment(sizeof *s, NULL);
  int rc = 2;
  for (size_t i = 0; i < sizeof spinlocks / sizeof spinlocks[0]; ++i)
    if (strcmp(pattern, spinlocks[i].name) == 0)
      rc = run_spinlock(&spinlocks[i], s, racy, n);
  if (strcmp(pattern, "flag_release") == 0 || strcmp(pattern, "flag_plain_poll") == 0)
    rc = run_flag(s, racy, strcmp(pattern, "flag_plain_poll") == 0);
  else if (strcmp(pattern, "seqlock") == 0)
    rc = run_seqlock(s, racy, n);
  shmdt(s);
  return rc;
}
