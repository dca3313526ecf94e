// Writes code into pages that stay non-writable for the program: through
// /proc/self/mem, which the kernel lets a process use to write its own
// read-only mappings (a private file mapping gets its private copy, as a
// debugger's breakpoint does). No page is ever writable and executable, and
// no mprotect changes what other threads see.
//
// Other threads may be executing the bytes being changed, so installation
// follows the cross-modifying-code protocol: each step is followed by
// sync_cores(), which makes every thread of the process serialize its
// instruction stream (membarrier SYNC_CORE) before the next step.
#pragma once

#include <cstddef>
#include <cstdint>

namespace shmcheck::patch {

// Normal context, at start: registers the process for core
// serialization. False when the kernel cannot (patching then stays off).
bool prepare_text_writes();

// [signal-safe] Opens /proc/self/mem for a series of writes (fresh each
// time: a descriptor kept open could be closed or replaced by the program,
// and a forked child must not write through its parent's).
class TextWriter {
 public:
  TextWriter();
  ~TextWriter();
  TextWriter(const TextWriter &) = delete;
  TextWriter &operator=(const TextWriter &) = delete;
  bool ok() const { return fd_ >= 0; }
  bool write(uintptr_t address, const void *bytes, size_t size);

 private:
  long fd_;
};

// [signal-safe] Every thread of the process serializes before it executes
// another instruction. False when it could not be done.
bool sync_cores();

}  // namespace shmcheck::patch
