#include "seg.h"

void seg_lock(struct seg *s) { pthread_mutex_lock(&s->lock); }
void seg_unlock(struct seg *s) { pthread_mutex_unlock(&s->lock); }
int seg_trylock(struct seg *s) { return pthread_mutex_trylock(&s->lock); }
