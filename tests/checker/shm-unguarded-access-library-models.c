// RUN: %shm_tidy --checks=-*,shm-unguarded-access,shm-lock-imbalance %s -- %clang_flags 2>&1 \
// RUN:   | FileCheck %s -check-prefix=CHECK-MESSAGES -implicit-check-not='{{warning|error}}:'
// RUN: %shm_tidy --checks=-*,shm-unguarded-access %s --config="{CheckOptions: {SharedMemoryFunctions: 'my_pool_alloc', TryLockFunctions: 'my_trylock'}}" -- %clang_flags -DOWN_ALLOCATOR 2>&1 \
// RUN:   | FileCheck %s -check-prefix=OPTIONS
//
// The library models shipped next to shm-tidy (share/shm-tidy/models) say
// which functions of PostgreSQL, nginx and APR hand out shared memory and
// take locks, with no project index: their code is in other programs'
// headers and libraries. A project's own allocator and try-lock are given
// with the SharedMemoryFunctions and TryLockFunctions options.
#include <stdbool.h>
#include <stddef.h>
#include <sys/mman.h>

// PostgreSQL
typedef struct LWLock { int state; } LWLock;
typedef enum { LW_EXCLUSIVE, LW_SHARED } LWLockMode;
void *ShmemInitStruct(const char *name, size_t size, bool *found);
void LWLockAcquire(LWLock *lock, LWLockMode mode);
bool LWLockConditionalAcquire(LWLock *lock, LWLockMode mode);
void LWLockRelease(LWLock *lock);

typedef struct { LWLock lock; int inserted; int evicted; } CacheCtl;
static CacheCtl *Cache;

void cache_init(void) {
  bool found;
  Cache = ShmemInitStruct("cache", sizeof(CacheCtl), &found);
}

void cache_insert(void) {
  LWLockAcquire(&Cache->lock, LW_EXCLUSIVE);
  Cache->inserted++;
  LWLockRelease(&Cache->lock);
  Cache->evicted++;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: read-modify-write of shared memory 'Cache->evicted' without holding a lock [shm-unguarded-access]
}

bool cache_try_insert(void) {
  if (!LWLockConditionalAcquire(&Cache->lock, LW_EXCLUSIVE))
    return false;
  Cache->inserted++;
  LWLockRelease(&Cache->lock);
  return true;
}

// nginx
typedef struct { volatile unsigned long *lock; } ngx_shmtx_t;
typedef struct { ngx_shmtx_t mutex; } ngx_slab_pool_t;
void *ngx_slab_alloc(ngx_slab_pool_t *pool, size_t size);
void ngx_shmtx_lock(ngx_shmtx_t *mtx);
void ngx_shmtx_unlock(ngx_shmtx_t *mtx);
unsigned long ngx_shmtx_trylock(ngx_shmtx_t *mtx);

typedef struct { ngx_shmtx_t mutex; int hits; } zone_t;

void zone_hit(ngx_slab_pool_t *pool) {
  zone_t *z = ngx_slab_alloc(pool, sizeof(zone_t));
  if (ngx_shmtx_trylock(&z->mutex)) {
    z->hits++;
    ngx_shmtx_unlock(&z->mutex);
  }
  z->hits = 0;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: write to shared memory 'z->hits' without holding a lock [shm-unguarded-access]
}

// APR
typedef struct apr_shm_t apr_shm_t;
typedef struct apr_proc_mutex_t apr_proc_mutex_t;
void *apr_shm_baseaddr_get(const apr_shm_t *m);
int apr_proc_mutex_lock(apr_proc_mutex_t *mutex);
int apr_proc_mutex_trylock(apr_proc_mutex_t *mutex);
int apr_proc_mutex_unlock(apr_proc_mutex_t *mutex);

struct board { int slots; };

int board_take(apr_shm_t *shm, apr_proc_mutex_t *mutex) {
  struct board *b = apr_shm_baseaddr_get(shm);
  if (apr_proc_mutex_trylock(mutex) != 0)
    return -1;
  b->slots--;
  apr_proc_mutex_unlock(mutex);
  return b->slots;
  // CHECK-MESSAGES: :[[@LINE-1]]:10: warning: read of shared memory 'b->slots' without holding a lock [shm-unguarded-access]
}

// A fresh MAP_SHARED|MAP_ANONYMOUS mapping in a file that never forks: no
// other process can have it before the next call that may fork.
struct table { int n; int cells[16]; };
void publish(struct table *t);

struct table *make_table(void) {
  struct table *t = mmap(0, sizeof *t, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  t->n = 16;
  for (int i = 0; i < 16; ++i)
    t->cells[i] = 0;
  publish(t);
  t->n = 0;
  // CHECK-MESSAGES: :[[@LINE-1]]:3: warning: write to shared memory 't->n' without holding a lock [shm-unguarded-access]
  return t;
}

#ifdef OWN_ALLOCATOR
void *my_pool_alloc(size_t size);
int my_trylock(int *lock);

struct counter { int lock; int value; };

void bump(void) {
  struct counter *c = my_pool_alloc(sizeof *c);
  c->value++;
  // OPTIONS: :[[@LINE-1]]:3: warning: read-modify-write of shared memory 'c->value' without holding a lock [shm-unguarded-access]
  if (my_trylock(&c->lock))
    c->value++;
  // OPTIONS-NOT: :[[@LINE-1]]:{{.*}}'c->value'
}
#endif
