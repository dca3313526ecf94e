#include <sys/types.h>
#include <unistd.h>
#include "seg.h"

int main(void) {
  create_shared(42);
  for (int i = 0; i < 4; ++i)
    if (fork() == 0) {
      serve();
      _exit(0);
    }
  return 0;
}
