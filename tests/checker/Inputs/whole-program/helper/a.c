#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "seg.h"

struct seg *attach_segment(const char *name) {
  int fd = shm_open(name, O_RDWR, 0600);
  void *p = mmap(0, sizeof(struct seg), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  return p;
}

void attach_into(const char *name, struct seg **out) {
  *out = attach_segment(name);
}
