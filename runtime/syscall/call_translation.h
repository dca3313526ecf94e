// One system call's arguments as the kernel must see them.
//
// Every memory argument (direct, or nested in an iovec, msghdr, mmsghdr,
// argv array...) that touches a watched attachment is moved: to the same
// offset in the alias when it lies in one piece, else to a bounce buffer
// filled from (and afterwards copied back to) the program's memory through
// the alias. Structures that hold such pointers are copied with the moved
// pointers, and what the kernel writes back into them (lengths, flags) is
// copied to the program's own structure afterwards. Arguments outside every
// watched attachment pass unchanged.
//
// It also remembers which application bytes the kernel read and wrote, for
// the boundary to record. [signal-safe]
#pragma once

#include <cstddef>
#include <cstdint>

#include "syscall/scratch_arena.h"
#include "syscall/syscall_signatures.h"

namespace shmcheck::syscall {

// How many bytes of a noted range the kernel wrote.
enum class WrittenBy : uint8_t {
  Whole,        // all of it, when the call succeeded
  ResultBytes,  // the result counts bytes over a sequence of ranges
  ResultElems,  // the result counts elements of `elem` bytes
  ResultPlus8,  // a System V message: result + 8
  LengthField,  // a length the kernel wrote into a rewritten structure
};

struct MemoryNote {
  uintptr_t address = 0;    // the application's address
  uint64_t size = 0;        // bytes the kernel may touch
  Direction direction = Direction::In;
  WrittenBy written_by = WrittenBy::Whole;
  uint32_t elem = 0;
  uint64_t sequence_offset = 0;  // ResultBytes: bytes before this range
  const void *length_field = nullptr;  // LengthField (8 or 4 bytes wide)
  uint8_t length_width = 0;
  int32_t message = -1;     // in an mmsghdr array: written only when
                            // message < result
  void *bounce = nullptr;   // where the kernel saw it, when bounced
};

class CallTranslation {
 public:
  static constexpr size_t kMaxNotes = 64;

  // `scratch` holds rewritten structures and bounce buffers until the
  // translation is finished.
  CallTranslation(long number, const long args[6], ScratchMark *scratch);

  // Some memory argument lies in a watched attachment.
  bool touches() const { return touches_; }
  // The arguments to give the kernel.
  const long *args() const { return out_; }

  // After the call: copies bounced output and the fields the kernel wrote
  // into rewritten structures back to the program.
  void finish(long result);

  size_t note_count() const { return note_count_; }
  const MemoryNote &note(size_t i) const { return notes_[i]; }
  // Bytes of note i the kernel wrote (0 on failure).
  uint64_t written(size_t i, long result) const;

 private:
  struct FieldCopy {  // a field of a rewritten structure, copied back
    uintptr_t address;
    const void *local;
    uint8_t size;
  };
  struct MmsgBack {   // an mmsghdr array whose msg_len values go back
    uintptr_t address;
    const void *local;
    uint32_t count;
  };

  void translate_arg(int index, const ArgSpec &spec);
  void refine_special(int index, ArgSpec *spec) const;
  // Moves [address, address + size) for the kernel; notes it when watched.
  // Moves [address, address + size) for the kernel (`how` gives the
  // direction and how much gets written); notes it when watched.
  long move_range(uintptr_t address, uint64_t size, const MemoryNote &how);
  long move_path(uintptr_t address);
  long move_strvec(uintptr_t array);
  // Rewrites an iovec array when it or a buffer it names is watched;
  // `how` is the template for each buffer's note.
  long move_iovec(uintptr_t array, long count, MemoryNote how);
  // Rewrites `local`, a copy of the msghdr at `header`; true when changed.
  bool move_msghdr(uintptr_t header, void *local, Direction d,
                   int32_t message, const void *message_length);
  long move_mmsghdr(uintptr_t array, long count, Direction d);
  void add_note(const MemoryNote &note);
  void add_field_copy(uintptr_t address, const void *local, uint8_t size);

  long number_;
  long in_[6];
  long out_[6];
  bool touches_ = false;
  ScratchMark *scratch_;
  MemoryNote notes_[kMaxNotes];
  size_t note_count_ = 0;
  FieldCopy fields_[16];
  size_t field_count_ = 0;
  MmsgBack mmsg_{0, nullptr, 0};
};

}  // namespace shmcheck::syscall
