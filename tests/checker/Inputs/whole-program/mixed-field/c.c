#include <unistd.h>
#include "seg.h"

void start_workers(int n) {
  for (int i = 0; i < n; ++i)
    if (fork() == 0)
      return;
}
