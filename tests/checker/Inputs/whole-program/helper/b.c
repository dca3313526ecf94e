#include <sys/shm.h>
#include "seg.h"

void count_one(void) {
  struct seg *s = attach_segment("/counter");
  s->count++;
}

void count_local(int id) {
  record(shmat(id, 0, 0));
}
