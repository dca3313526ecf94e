// Every other string of the program: the same member holds private memory.
// The index must not make these reads and writes shared.
#include <stdlib.h>
#include "seg.h"

void str_set(struct str *s, const char *text, unsigned long len) {
  s->data = malloc(len);
  for (unsigned long i = 0; i < len; ++i)
    s->data[i] = text[i];
  s->len = len;
}

int str_first(const struct str *s) {
  return s->data[0];
}
