// Stacks are thread-private: pages of a watched segment that the program
// makes a stack (pthread_attr_setstack, a makecontext stack, an alternate
// signal stack) are left unwatched. A thread whose stack were PROT_NONE
// could not even receive the signal that reports its first access.
#pragma once

#include <cstddef>
#include <cstdint>

namespace shmcheck::trap {

// [signal-safe] Leaves the watched pages of [start, start + size)
// unwatched, and says so in one line. Normal or handler context outside the
// trap lock.
void exclude_stack(uintptr_t start, size_t size);

// [signal-safe] The same without the line (the caller says why).
void unwatch_quietly(uintptr_t start, size_t size);

}  // namespace shmcheck::trap
