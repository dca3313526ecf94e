#include "syscall/call_translation.h"

#include <linux/futex.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include <cstring>

#include "syscall/app_memory.h"
#include "trap/attachment_table.h"

namespace shmcheck::syscall {

namespace {

constexpr long kMaxIov = 1024;     // the kernel's UIO_MAXIOV
constexpr long kMaxStrings = 8192; // argv/envp entries looked at
constexpr size_t kPathMax = 4096;

static_assert(sizeof(struct msghdr) == 56, "x86-64 msghdr");
static_assert(sizeof(struct mmsghdr) == 64, "x86-64 mmsghdr");

bool read_u32(long address, uint32_t *out) {
  return read_app(out, static_cast<uintptr_t>(address), sizeof(*out));
}

ArgSpec buffer_spec(Direction d, uint32_t bytes) {
  ArgSpec a;
  a.kind = ArgKind::Buffer;
  a.direction = d;
  a.size = {SizeRule::Fixed, 0, bytes};
  return a;
}

ArgSpec arg_sized(Direction d, uint8_t index) {
  ArgSpec a = buffer_spec(d, 0);
  a.size = {SizeRule::Arg, index, 0};
  return a;
}

MemoryNote note_for(Direction d, WrittenBy by = WrittenBy::Whole) {
  MemoryNote n;
  n.direction = d;
  n.written_by = by;
  return n;
}

}  // namespace

CallTranslation::CallTranslation(long number, const long args[6],
                                 ScratchMark *scratch)
    : number_(number), scratch_(scratch) {
  memcpy(in_, args, sizeof(in_));
  memcpy(out_, args, sizeof(out_));
  const Signature &signature = signature_of(number);
  if (signature.name == nullptr || !trap::any_watched())
    return;
  for (int i = 0; i < 6; ++i)
    if (signature.args[i].kind != ArgKind::None)
      translate_arg(i, signature.args[i]);
}

void CallTranslation::refine_special(int index, ArgSpec *spec) const {
  *spec = ArgSpec{};
  const auto command = static_cast<unsigned long>(in_[index == 2 ? 1 : 0]);
  switch (number_) {
    case SYS_ioctl: {
      const auto request = static_cast<unsigned int>(in_[1]);
      switch (request) {
        case FIONREAD:
        case TIOCOUTQ:
          *spec = buffer_spec(Direction::Out, 4);
          return;
        case FIONBIO:
        case FIOASYNC:
          *spec = buffer_spec(Direction::In, 4);
          return;
        case TCGETS:
          *spec = buffer_spec(Direction::Out, 36);
          return;
        case TCSETS:
        case TCSETSW:
        case TCSETSF:
          *spec = buffer_spec(Direction::In, 36);
          return;
        case TIOCGWINSZ:
          *spec = buffer_spec(Direction::Out, 8);
          return;
        case TIOCSWINSZ:
          *spec = buffer_spec(Direction::In, 8);
          return;
        default:
          break;
      }
      // Requests that encode their argument: direction and size.
      const unsigned dir = _IOC_DIR(request);
      const unsigned size = _IOC_SIZE(request);
      if (dir == _IOC_NONE || size == 0)
        return;
      const Direction d = dir == (_IOC_READ | _IOC_WRITE) ? Direction::InOut
                          : (dir & _IOC_READ)              ? Direction::Out
                                                           : Direction::In;
      *spec = buffer_spec(d, size);
      return;
    }
    case SYS_fcntl:
      switch (in_[1]) {
        case 5: case 6: case 7:     // F_GETLK, F_SETLK, F_SETLKW
        case 36: case 37: case 38:  // F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW
          *spec = buffer_spec(Direction::InOut, 32);
          return;
        case 15:  // F_SETOWN_EX
          *spec = buffer_spec(Direction::In, 8);
          return;
        case 16:  // F_GETOWN_EX
          *spec = buffer_spec(Direction::Out, 8);
          return;
        default:
          return;
      }
    case SYS_prctl:
      switch (in_[0]) {
        case 15:  // PR_SET_NAME: the kernel reads at most 16 bytes
          *spec = buffer_spec(Direction::In, 16);
          return;
        case 16:  // PR_GET_NAME
          *spec = buffer_spec(Direction::Out, 16);
          return;
        case 2:  // PR_GET_PDEATHSIG
          *spec = buffer_spec(Direction::Out, 4);
          return;
        default:
          return;
      }
    case SYS_arch_prctl:
      if (in_[0] == 0x1003 || in_[0] == 0x1004)  // ARCH_GET_FS, ARCH_GET_GS
        *spec = buffer_spec(Direction::Out, 8);
      return;
    case SYS_shmctl:
    case SYS_msgctl: {
      const unsigned long cmd = command & 0xff;
      const uint32_t size = number_ == SYS_shmctl ? 112 : 120;
      if (cmd == 2 || cmd == 13 || cmd == 15 || cmd == 11 || cmd == 12)
        *spec = buffer_spec(Direction::Out, size);  // *_STAT
      else if (cmd == 1)
        *spec = buffer_spec(Direction::In, size);   // IPC_SET
      return;
    }
    case SYS_rt_sigaction:
      *spec = buffer_spec(index == 1 ? Direction::In : Direction::Out, 32);
      return;
    case SYS_rt_sigprocmask:
      *spec = arg_sized(index == 1 ? Direction::In : Direction::Out, 3);
      return;
    case SYS_futex: {
      const long cmd = in_[1] & FUTEX_CMD_MASK;
      if (index == 3 && (cmd == FUTEX_WAIT || cmd == FUTEX_LOCK_PI ||
                         cmd == FUTEX_WAIT_BITSET ||
                         cmd == FUTEX_WAIT_REQUEUE_PI || cmd == 13))
        *spec = buffer_spec(Direction::In, 16);
      if (index == 4 && (cmd == FUTEX_REQUEUE || cmd == FUTEX_CMP_REQUEUE ||
                         cmd == FUTEX_WAKE_OP ||
                         cmd == FUTEX_WAIT_REQUEUE_PI ||
                         cmd == FUTEX_CMP_REQUEUE_PI))
        spec->kind = ArgKind::FutexWord;
      return;
    }
    default:
      return;
  }
}

void CallTranslation::translate_arg(int index, const ArgSpec &given) {
  ArgSpec spec = given;
  if (spec.kind == ArgKind::Special)
    refine_special(index, &spec);
  const auto address = static_cast<uintptr_t>(in_[index]);
  if (address == 0)
    return;
  switch (spec.kind) {
    case ArgKind::None:
    case ArgKind::Special:
      return;
    case ArgKind::Buffer: {
      const uint64_t size = bytes_before(spec.size, in_, read_u32);
      WrittenBy by = WrittenBy::Whole;
      if (spec.size.rule == SizeRule::Result)
        by = WrittenBy::ResultBytes;
      else if (spec.size.rule == SizeRule::ResultElems)
        by = WrittenBy::ResultElems;
      else if (spec.size.rule == SizeRule::ResultPlus8)
        by = WrittenBy::ResultPlus8;
      MemoryNote how = note_for(spec.direction, by);
      how.elem = spec.size.bytes;
      out_[index] = move_range(address, size, how);
      return;
    }
    case ArgKind::Path:
      out_[index] = move_path(address);
      return;
    case ArgKind::Iovec:
      out_[index] = move_iovec(address, in_[spec.count_index],
                               note_for(spec.direction, WrittenBy::ResultBytes));
      return;
    case ArgKind::Msghdr: {
      void *local = scratch_->allocate(sizeof(struct msghdr));
      if (local == nullptr || !read_app(local, address, sizeof(struct msghdr)))
        return;
      if (move_msghdr(address, local, spec.direction, -1, nullptr))
        out_[index] = reinterpret_cast<long>(local);
      return;
    }
    case ArgKind::Mmsghdr:
      out_[index] = move_mmsghdr(address, in_[spec.count_index],
                                 spec.direction);
      return;
    case ArgKind::StrVec:
      out_[index] = move_strvec(address);
      return;
    case ArgKind::Address:
    case ArgKind::FutexWord: {
      const uint64_t size = spec.kind == ArgKind::FutexWord
                                ? 4
                                : bytes_before(spec.size, in_, read_u32);
      if (!is_watched(address, size))
        return;
      touches_ = true;
      if (const uintptr_t alias = alias_range(address, size))
        out_[index] = static_cast<long>(alias);
      return;
    }
    case ArgKind::SigsetPair: {
      struct Pair {
        uintptr_t set;
        uint64_t size;
      } pair{};
      if (!read_app(&pair, address, sizeof(pair)))
        return;
      const bool pair_watched = is_watched(address, sizeof(pair));
      if (!pair_watched && !is_watched(pair.set, pair.size))
        return;
      auto *local = static_cast<Pair *>(scratch_->allocate(sizeof(Pair)));
      if (local == nullptr)
        return;
      local->size = pair.size;
      local->set = static_cast<uintptr_t>(
          move_range(pair.set, pair.size, note_for(Direction::In)));
      if (pair_watched)
        move_range(address, sizeof(pair), note_for(Direction::In));
      touches_ = true;
      out_[index] = reinterpret_cast<long>(local);
      return;
    }
  }
}

void CallTranslation::add_note(const MemoryNote &note) {
  if (note_count_ < kMaxNotes)
    notes_[note_count_++] = note;
}

void CallTranslation::add_field_copy(uintptr_t address, const void *local,
                                     uint8_t size) {
  if (field_count_ < sizeof(fields_) / sizeof(fields_[0]))
    fields_[field_count_++] = {address, local, size};
}

long CallTranslation::move_range(uintptr_t address, uint64_t size,
                                 const MemoryNote &how) {
  if (address == 0 || size == 0 || !is_watched(address, size))
    return static_cast<long>(address);
  touches_ = true;
  MemoryNote note = how;
  note.address = address;
  note.size = size;
  if (const uintptr_t alias = alias_range(address, size)) {
    add_note(note);
    return static_cast<long>(alias);
  }
  // Straddles pieces, or a piece and other memory: a bounce buffer, which
  // must be copied back, so it needs a note.
  if (note_count_ == kMaxNotes)
    return static_cast<long>(address);
  void *bounce = scratch_->allocate(size);
  if (bounce == nullptr)
    return static_cast<long>(address);
  // Read even an output buffer: what the kernel does not overwrite is
  // copied back unchanged.
  read_app(bounce, address, size);
  note.bounce = bounce;
  add_note(note);
  return reinterpret_cast<long>(bounce);
}

long CallTranslation::move_path(uintptr_t address) {
  // A string that starts outside every watched piece and whose longest
  // possible extent touches none passes unread.
  if (!is_watched(address, kPathMax))
    return static_cast<long>(address);
  size_t length = 0;
  if (!app_string_length(address, kPathMax - 1, &length))
    return static_cast<long>(address);
  return move_range(address, length + 1, note_for(Direction::In));
}

long CallTranslation::move_strvec(uintptr_t array) {
  // Count the entries (and see whether any of it is watched).
  long count = 0;
  bool any = false;
  for (; count < kMaxStrings; ++count) {
    uintptr_t entry = 0;
    if (!read_app(&entry, array + count * 8, 8))
      return static_cast<long>(array);
    if (is_watched(array + count * 8, 8))
      any = true;
    if (entry == 0)
      break;
    if (is_watched(entry, kPathMax))
      any = true;
  }
  if (!any || count == kMaxStrings)
    return static_cast<long>(array);
  auto *local =
      static_cast<uintptr_t *>(scratch_->allocate((count + 1) * 8));
  if (local == nullptr || !read_app(local, array, (count + 1) * 8))
    return static_cast<long>(array);
  touches_ = true;
  move_range(array, (count + 1) * 8, note_for(Direction::In));
  for (long i = 0; i < count; ++i)
    local[i] = static_cast<uintptr_t>(move_path(local[i]));
  return reinterpret_cast<long>(local);
}

long CallTranslation::move_iovec(uintptr_t array, long count, MemoryNote how) {
  if (count <= 0 || count > kMaxIov)
    return static_cast<long>(array);
  const size_t bytes = static_cast<size_t>(count) * sizeof(struct iovec);
  auto *local = static_cast<struct iovec *>(scratch_->allocate(bytes));
  if (local == nullptr || !read_app(local, array, bytes))
    return static_cast<long>(array);
  const bool array_watched = is_watched(array, bytes);
  bool any = array_watched;
  for (long i = 0; i < count && !any; ++i)
    any = is_watched(reinterpret_cast<uintptr_t>(local[i].iov_base),
                     local[i].iov_len);
  if (!any)
    return static_cast<long>(array);
  touches_ = true;
  if (array_watched)
    move_range(array, bytes, note_for(Direction::In));
  uint64_t sequence = how.sequence_offset;
  for (long i = 0; i < count; ++i) {
    how.sequence_offset = sequence;
    sequence += local[i].iov_len;
    local[i].iov_base = reinterpret_cast<void *>(move_range(
        reinterpret_cast<uintptr_t>(local[i].iov_base), local[i].iov_len,
        how));
  }
  return reinterpret_cast<long>(local);
}

bool CallTranslation::move_msghdr(uintptr_t header, void *raw, Direction d,
                                  int32_t message,
                                  const void *message_length) {
  auto *local = static_cast<struct msghdr *>(raw);
  const bool header_watched = is_watched(header, sizeof(struct msghdr));
  const bool was = touches_;
  touches_ = false;
  const bool received = d == Direction::Out;

  MemoryNote name = note_for(d, received ? WrittenBy::LengthField
                                         : WrittenBy::Whole);
  name.length_field = &local->msg_namelen;
  name.length_width = 4;
  name.message = message;
  local->msg_name = reinterpret_cast<void *>(move_range(
      reinterpret_cast<uintptr_t>(local->msg_name), local->msg_namelen, name));

  MemoryNote control = name;
  control.length_field = &local->msg_controllen;
  control.length_width = 8;
  local->msg_control = reinterpret_cast<void *>(
      move_range(reinterpret_cast<uintptr_t>(local->msg_control),
                 local->msg_controllen, control));

  MemoryNote data = note_for(d, WrittenBy::ResultBytes);
  data.message = message;
  if (message_length != nullptr) {
    data.written_by = WrittenBy::LengthField;
    data.length_field = message_length;
    data.length_width = 4;
  }
  local->msg_iov = reinterpret_cast<struct iovec *>(
      move_iovec(reinterpret_cast<uintptr_t>(local->msg_iov),
                 static_cast<long>(local->msg_iovlen), data));

  const bool changed = touches_ || header_watched;
  touches_ = was || changed;
  if (!changed)
    return false;
  if (header_watched)
    move_range(header, sizeof(struct msghdr),
               note_for(received ? Direction::InOut : Direction::In));
  if (received && message < 0) {
    add_field_copy(header + offsetof(struct msghdr, msg_namelen),
                   &local->msg_namelen, 4);
    add_field_copy(header + offsetof(struct msghdr, msg_controllen),
                   &local->msg_controllen, 8);
    add_field_copy(header + offsetof(struct msghdr, msg_flags),
                   &local->msg_flags, 4);
  }
  return true;
}

long CallTranslation::move_mmsghdr(uintptr_t array, long count, Direction d) {
  if (count <= 0 || count > kMaxIov)
    return static_cast<long>(array);
  const size_t bytes = static_cast<size_t>(count) * sizeof(struct mmsghdr);
  auto *local = static_cast<struct mmsghdr *>(scratch_->allocate(bytes));
  if (local == nullptr || !read_app(local, array, bytes))
    return static_cast<long>(array);
  bool changed = false;
  for (long i = 0; i < count; ++i)
    changed |= move_msghdr(array + i * sizeof(struct mmsghdr),
                           &local[i].msg_hdr, d, static_cast<int32_t>(i),
                           &local[i].msg_len);
  if (!changed)
    return static_cast<long>(array);
  touches_ = true;
  mmsg_ = {array, local, static_cast<uint32_t>(count)};
  return reinterpret_cast<long>(local);
}

uint64_t CallTranslation::written(size_t i, long result) const {
  const MemoryNote &n = notes_[i];
  if (result < 0 || n.direction == Direction::In)
    return 0;
  if (n.message >= 0 && n.message >= result)
    return 0;
  uint64_t done = n.size;
  switch (n.written_by) {
    case WrittenBy::Whole:
      break;
    case WrittenBy::ResultBytes: {
      const auto r = static_cast<uint64_t>(result);
      done = r > n.sequence_offset ? r - n.sequence_offset : 0;
      break;
    }
    case WrittenBy::ResultElems:
      done = static_cast<uint64_t>(result) * n.elem;
      break;
    case WrittenBy::ResultPlus8:
      done = static_cast<uint64_t>(result) + 8;
      break;
    case WrittenBy::LengthField: {
      uint64_t length = 0;
      if (n.length_width == 4)
        length = *static_cast<const uint32_t *>(n.length_field);
      else
        length = *static_cast<const uint64_t *>(n.length_field);
      done = length > n.sequence_offset ? length - n.sequence_offset : 0;
      break;
    }
  }
  return done < n.size ? done : n.size;
}

void CallTranslation::finish(long result) {
  if (!touches_)
    return;
  for (size_t i = 0; i < note_count_; ++i)
    if (notes_[i].bounce != nullptr) {
      const uint64_t n = written(i, result);
      if (n != 0)
        write_app(notes_[i].address, notes_[i].bounce, n);
    }
  if (result < 0)
    return;
  for (size_t i = 0; i < field_count_; ++i)
    write_app(fields_[i].address, fields_[i].local, fields_[i].size);
  if (mmsg_.local != nullptr) {
    const auto *local = static_cast<const struct mmsghdr *>(mmsg_.local);
    for (long i = 0; i < result && i < static_cast<long>(mmsg_.count); ++i) {
      const uintptr_t entry = mmsg_.address + i * sizeof(struct mmsghdr);
      write_app(entry + offsetof(struct mmsghdr, msg_len), &local[i].msg_len, 4);
      write_app(entry + offsetof(struct msghdr, msg_namelen),
                &local[i].msg_hdr.msg_namelen, 4);
      write_app(entry + offsetof(struct msghdr, msg_controllen),
                &local[i].msg_hdr.msg_controllen, 8);
      write_app(entry + offsetof(struct msghdr, msg_flags),
                &local[i].msg_hdr.msg_flags, 4);
    }
  }
}

}  // namespace shmcheck::syscall
