// A library's allocator (no main: any caller, any time). The mapping is kept
// in a struct member, which holds shared memory wherever the program reads
// it; its header is written right after mmap, before anyone could fork.
#include <errno.h>
#include <sys/mman.h>
#include "seg.h"

int region_create(struct region *r, unsigned long size) {
  r->base = mmap(0, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (r->base == MAP_FAILED)
    return errno;
  *(unsigned long *)(r->base) = size;
  r->size = size;
  return 0;
}
