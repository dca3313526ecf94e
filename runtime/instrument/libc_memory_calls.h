// The C library's memcpy, memmove and memset, for the runtime's own use:
// libshmcheck.so exports interceptors of the same names (see
// libc_memory_calls.cpp), which calls from inside the library would reach.
#pragma once

#include <cstddef>

namespace shmcheck::instrument::libc_memory {

void *copy(void *to, const void *from, size_t size);
void *move(void *to, const void *from, size_t size);
void *fill(void *to, int value, size_t size);

}  // namespace shmcheck::instrument::libc_memory
