// What the kernel does with the memory arguments of a system call, looked
// up by number. The data is syscall_signatures.inc; this is its shape.
#pragma once

#include <cstdint>

namespace shmcheck::syscall {

enum class ArgKind : uint8_t {
  None,
  Buffer,     // `size` bytes at the argument, in `direction`
  Path,       // a NUL-terminated string, read
  Iovec,      // iovec array of args[count] elements; buffers in `direction`
  Msghdr,     // one msghdr; In: sent, Out: received
  Mmsghdr,    // mmsghdr array of args[count] elements
  StrVec,     // NULL-terminated array of strings, read
  Address,    // a range the kernel acts on in place: moved, not recorded
  FutexWord,  // a futex word: moved, not recorded
  SigsetPair, // {const sigset_t *, size_t}, read
  Special,    // decided by a command argument at the call
};

enum class Direction : uint8_t { In, Out, InOut };

enum class SizeRule : uint8_t {
  None,
  Fixed,        // n bytes
  Arg,          // args[i] bytes
  Elems,        // args[i] * n bytes
  Result,       // read: args[i]; written: the result (<= args[i])
  ResultElems,  // read: args[i] * n; written: result * n
  PtrU32,       // *(uint32_t *)args[i]
  FdSet,        // an fd_set of args[i] descriptors
  Pages,        // one byte per page of args[i] bytes
  Plus8,        // args[i] + 8
  ResultPlus8,  // read: args[i] + 8; written: result + 8
};

struct Size {
  SizeRule rule = SizeRule::None;
  uint8_t index = 0;  // i
  uint32_t bytes = 0; // n
};

struct ArgSpec {
  ArgKind kind = ArgKind::None;
  Direction direction = Direction::In;
  Size size;
  uint8_t count_index = 0;  // Iovec, Mmsghdr: which argument is the count
};

struct Signature {
  const char *name = nullptr;  // nullptr: no memory argument known
  ArgSpec args[6];
};

// The signature of system call `number` (x86-64); a signature without a
// name when the call has no memory argument the runtime knows of.
const Signature &signature_of(long number);

// Bytes a buffer argument covers before the call (what the kernel may read
// or write), given the raw arguments. `read_u32` reads a 32-bit length the
// program passed by pointer (false: unreadable).
uint64_t bytes_before(const Size &size, const long args[6],
                      bool (*read_u32)(long address, uint32_t *out));
// Bytes the kernel wrote, given the call's result (>= 0).
uint64_t bytes_written(const Size &size, const long args[6], long result,
                       uint64_t before);

}  // namespace shmcheck::syscall
