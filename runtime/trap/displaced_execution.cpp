#include "trap/displaced_execution.h"

#include <sys/mman.h>
#include <sys/syscall.h>

#include <cstring>

#include "trap/instruction_accesses.h"
#include "trap/raw_syscall.h"

namespace shmcheck::trap {

namespace {

constexpr size_t kSlotBytes = 64;  // 15 instruction + 8 lea + 14 jmp
constexpr size_t kSlots = 4096 / kSlotBytes;
constexpr size_t kBufferBytes = kSlots * kSlotBytes;

// Two views of one memfd page per thread: the handler writes through the
// writable view and the thread runs the executable one, so no page is ever
// writable and executable at once.
__thread uint8_t *t_writable __attribute__((tls_model("initial-exec")));
__thread uint8_t *t_executable __attribute__((tls_model("initial-exec")));
__thread unsigned t_next_slot __attribute__((tls_model("initial-exec")));

bool failed(long result) { return result < 0 && result > -4096; }

bool map_thread_buffer() {
  if (t_executable != nullptr)
    return true;
  const long fd = raw_syscall(SYS_memfd_create,
                              reinterpret_cast<long>("shmcheck-code"),
                              MFD_CLOEXEC);
  if (failed(fd))
    return false;
  long writable = -1;
  long executable = -1;
  if (!failed(raw_syscall(SYS_ftruncate, fd, kBufferBytes))) {
    writable = raw_syscall(SYS_mmap, 0, kBufferBytes, PROT_READ | PROT_WRITE,
                           MAP_SHARED, fd, 0);
    executable = raw_syscall(SYS_mmap, 0, kBufferBytes, PROT_READ | PROT_EXEC,
                             MAP_SHARED, fd, 0);
  }
  raw_syscall(SYS_close, fd);
  if (failed(writable) || failed(executable)) {
    if (!failed(writable))
      raw_syscall(SYS_munmap, writable, kBufferBytes);
    if (!failed(executable))
      raw_syscall(SYS_munmap, executable, kBufferBytes);
    return false;
  }
  t_writable = reinterpret_cast<uint8_t *>(writable);
  t_executable = reinterpret_cast<uint8_t *>(executable);
  return true;
}

}  // namespace

uintptr_t run_displaced(ucontext_t *uc, uintptr_t pc, unsigned length,
                        int register_index, uint64_t shift, bool restore,
                        bool trap_after) {
  const bool moves = register_index >= 0;
  const int hw = moves ? hardware_register_number(register_index) : 0;
  const auto back = static_cast<int64_t>(0 - shift);
  if (hw < 0 || length > 15 || back < INT32_MIN || back > INT32_MAX)
    return 0;
  if (!map_thread_buffer())
    return 0;
  const size_t slot = (t_next_slot++ % kSlots) * kSlotBytes;
  uint8_t *code = t_writable + slot;  // written here
  uint8_t *runs = t_executable + slot;  // executed there
  size_t n = 0;
  memcpy(code, reinterpret_cast<const void *>(pc), length);
  n += length;
  if (moves && restore) {
    // lea reg, [reg + disp32]: REX.W (+R, +B), 8D, ModRM mod=10 reg=rm=hw,
    // a SIB byte when the base is rsp/r12.
    code[n++] = static_cast<uint8_t>(0x48 | (hw >= 8 ? 0x05 : 0));
    code[n++] = 0x8d;
    code[n++] = static_cast<uint8_t>(0x80 | ((hw & 7) << 3) | (hw & 7));
    if ((hw & 7) == 4)
      code[n++] = 0x24;
    const auto disp = static_cast<int32_t>(back);
    memcpy(code + n, &disp, 4);
    n += 4;
  }
  uintptr_t resume = 0;
  if (trap_after) {
    code[n++] = 0xcc;  // int3
    resume = reinterpret_cast<uintptr_t>(runs + n);
  }
  // jmp qword [rip + 0] followed by the absolute target.
  const uint64_t next = pc + length;
  code[n++] = 0xff;
  code[n++] = 0x25;
  memset(code + n, 0, 4);
  n += 4;
  memcpy(code + n, &next, 8);

  if (moves) {
    greg_t &reg = uc->uc_mcontext.gregs[register_index];
    reg = static_cast<greg_t>(static_cast<uint64_t>(reg) + shift);
  }
  uc->uc_mcontext.gregs[REG_RIP] = reinterpret_cast<greg_t>(runs);
  return trap_after ? resume : reinterpret_cast<uintptr_t>(runs);
}

void release_displaced_buffer() {
  if (t_executable != nullptr) {
    raw_syscall(SYS_munmap, reinterpret_cast<long>(t_writable), kBufferBytes);
    raw_syscall(SYS_munmap, reinterpret_cast<long>(t_executable), kBufferBytes);
    t_writable = t_executable = nullptr;
  }
}

void drop_inherited_displaced_buffer() { release_displaced_buffer(); }

}  // namespace shmcheck::trap
