// The workers' part: Seg was set in another file.
#include "seg.h"

void serve(void) {
  Seg->count++;
}
