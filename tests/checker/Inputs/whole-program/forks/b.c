#include <sys/mman.h>
#include "seg.h"

int main(void) {
  struct stats *st = mmap(0, sizeof *st, PROT_READ | PROT_WRITE,
                          MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  st->requests = 0;
  start_workers(4);
  st->requests++;
  return 0;
}
