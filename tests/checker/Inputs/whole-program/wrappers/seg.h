#include <pthread.h>
struct seg {
  pthread_mutex_t lock;
  int count;
  int misses;
};
void seg_lock(struct seg *s);
void seg_unlock(struct seg *s);
int seg_trylock(struct seg *s);
