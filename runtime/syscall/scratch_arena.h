// Memory for rewritten arguments (iovec arrays, message headers, bounce
// buffers), per thread, released in stack order: a call nested in a signal
// handler that interrupted another call ends before the outer one does.
// [signal-safe]: mmap, never malloc.
#pragma once

#include <cstddef>

namespace shmcheck::syscall {

class ScratchMark {
 public:
  ScratchMark();   // remembers how much of this thread's arena is in use
  ~ScratchMark();  // and gives back everything allocated since
  ScratchMark(const ScratchMark &) = delete;
  ScratchMark &operator=(const ScratchMark &) = delete;

  // 16-byte aligned, or nullptr when the arena cannot hold it.
  void *allocate(size_t size);

 private:
  size_t mark_;
  void *large_;        // one allocation too big for the arena
  size_t large_size_;
};

// Unmaps the calling thread's arena (at thread exit).
void release_scratch_arena();

}  // namespace shmcheck::syscall
