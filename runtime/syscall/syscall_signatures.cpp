#include "syscall/syscall_signatures.h"

#include <sys/syscall.h>

namespace shmcheck::syscall {

namespace {

constexpr Size FIXED(uint32_t n) { return {SizeRule::Fixed, 0, n}; }
constexpr Size ARG(uint8_t i) { return {SizeRule::Arg, i, 0}; }
constexpr Size ELEMS(uint8_t i, uint32_t n) { return {SizeRule::Elems, i, n}; }
constexpr Size RESULT(uint8_t i) { return {SizeRule::Result, i, 0}; }
constexpr Size RESULT_ELEMS(uint8_t i, uint32_t n) {
  return {SizeRule::ResultElems, i, n};
}
constexpr Size PTR_U32(uint8_t i) { return {SizeRule::PtrU32, i, 0}; }
constexpr Size FDSET(uint8_t i) { return {SizeRule::FdSet, i, 0}; }
constexpr Size PAGES(uint8_t i) { return {SizeRule::Pages, i, 0}; }
constexpr Size PLUS8(uint8_t i) { return {SizeRule::Plus8, i, 0}; }
constexpr Size RESULT_PLUS8(uint8_t i) { return {SizeRule::ResultPlus8, i, 0}; }

constexpr ArgSpec buffer(Direction d, Size s) {
  ArgSpec a;
  a.kind = ArgKind::Buffer;
  a.direction = d;
  a.size = s;
  return a;
}
constexpr ArgSpec counted(ArgKind k, Direction d, uint8_t count) {
  ArgSpec a;
  a.kind = k;
  a.direction = d;
  a.count_index = count;
  return a;
}
constexpr ArgSpec of_kind(ArgKind k, Direction d = Direction::In) {
  ArgSpec a;
  a.kind = k;
  a.direction = d;
  return a;
}

#define __ ArgSpec{}
#define IN(s) buffer(Direction::In, s)
#define OUT(s) buffer(Direction::Out, s)
#define INOUT(s) buffer(Direction::InOut, s)
#define PATH of_kind(ArgKind::Path)
#define IOVEC_IN(i) counted(ArgKind::Iovec, Direction::In, i)
#define IOVEC_OUT(i) counted(ArgKind::Iovec, Direction::Out, i)
#define MSG_IN of_kind(ArgKind::Msghdr, Direction::In)
#define MSG_OUT of_kind(ArgKind::Msghdr, Direction::Out)
#define MMSG_IN(i) counted(ArgKind::Mmsghdr, Direction::In, i)
#define MMSG_OUT(i) counted(ArgKind::Mmsghdr, Direction::Out, i)
#define STRVEC of_kind(ArgKind::StrVec)
#define ADDR(s) ArgSpec{ArgKind::Address, Direction::In, s, 0}
#define FUTEX_WORD of_kind(ArgKind::FutexWord)
#define SIGSET_PAIR of_kind(ArgKind::SigsetPair)
#define SPECIAL of_kind(ArgKind::Special)

constexpr long kTableSize = 448;

struct Table {
  Signature entries[kTableSize];
  constexpr Table() : entries{} {
#define SHMCHECK_SYSCALL(name_, a0, a1, a2, a3, a4, a5) \
  entries[SYS_##name_] = Signature{#name_, {a0, a1, a2, a3, a4, a5}};
#include "syscall/syscall_signatures.inc"
#undef SHMCHECK_SYSCALL
  }
};

#undef __
#undef IN
#undef OUT
#undef INOUT
#undef PATH
#undef IOVEC_IN
#undef IOVEC_OUT
#undef MSG_IN
#undef MSG_OUT
#undef MMSG_IN
#undef MMSG_OUT
#undef STRVEC
#undef ADDR
#undef FUTEX_WORD
#undef SIGSET_PAIR
#undef SPECIAL

constexpr Table kTable;
const Signature kNoSignature{};

uint64_t arg(const long args[6], uint8_t i) {
  return static_cast<uint64_t>(args[i]);
}

}  // namespace

const Signature &signature_of(long number) {
  if (number < 0 || number >= kTableSize)
    return kNoSignature;
  return kTable.entries[number];
}

uint64_t bytes_before(const Size &size, const long args[6],
                      bool (*read_u32)(long address, uint32_t *out)) {
  switch (size.rule) {
    case SizeRule::None:
      return 0;
    case SizeRule::Fixed:
      return size.bytes;
    case SizeRule::Arg:
    case SizeRule::Result:
      return arg(args, size.index);
    case SizeRule::Elems:
    case SizeRule::ResultElems:
      return arg(args, size.index) * size.bytes;
    case SizeRule::PtrU32: {
      uint32_t n = 0;
      if (args[size.index] == 0 || !read_u32(args[size.index], &n))
        return 0;
      return n;
    }
    case SizeRule::FdSet:
      return (arg(args, size.index) + 63) / 64 * 8;
    case SizeRule::Pages:
      return (arg(args, size.index) + 4095) / 4096;
    case SizeRule::Plus8:
    case SizeRule::ResultPlus8:
      return arg(args, size.index) + 8;
  }
  return 0;
}

uint64_t bytes_written(const Size &size, const long args[6], long result,
                       uint64_t before) {
  (void)args;
  uint64_t n = before;
  switch (size.rule) {
    case SizeRule::Result:
      n = static_cast<uint64_t>(result);
      break;
    case SizeRule::ResultElems:
      n = static_cast<uint64_t>(result) * size.bytes;
      break;
    case SizeRule::ResultPlus8:
      n = static_cast<uint64_t>(result) + 8;
      break;
    default:
      break;
  }
  return n < before ? n : before;
}

}  // namespace shmcheck::syscall
