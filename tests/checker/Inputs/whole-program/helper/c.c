#include "seg.h"

void add_total(int n) {
  struct seg *s;
  attach_into("/counter", &s);
  s->total += n;
}

// Called from another file with shared memory.
void record(struct seg *s) {
  s->total = 0;
}
