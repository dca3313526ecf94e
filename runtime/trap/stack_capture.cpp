#include "trap/stack_capture.h"

#include <link.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unwind.h>

#include "trap/raw_syscall.h"

namespace shmcheck::trap {

namespace {

struct Walk {
  uintptr_t start;  // first frame to keep
  uintptr_t *frames;
  uintptr_t *cfas;  // optional
  size_t max;
  size_t count;
  bool started;
};

_Unwind_Reason_Code visit_frame(_Unwind_Context *context, void *arg) {
  auto *walk = static_cast<Walk *>(arg);
  int before_instruction = 0;
  const uintptr_t ip = _Unwind_GetIPInfo(context, &before_instruction);
  if (!walk->started) {
    // Skip the runtime's own frames (and the signal trampoline).
    if (ip != walk->start)
      return _URC_NO_REASON;
    walk->started = true;
  }
  // A zero pc is the end marker of the outermost frame (_start's caller).
  if (walk->count >= walk->max || ip == 0)
    return _URC_END_OF_STACK;
  if (walk->cfas != nullptr)
    walk->cfas[walk->count] = _Unwind_GetCFA(context);
  walk->frames[walk->count++] = ip;
  return _URC_NO_REASON;
}

// The executable code of the unwinder (the compiler runtime's library) and
// of this library, found once at start: only a fault raised there is the
// unwinder's own. A signal handler of the program that interrupted a walk
// runs its own code, and its faults are trapped accesses like any other.
struct CodeRange {
  uintptr_t start;
  uintptr_t end;
};
CodeRange g_unwinder_code[8];
size_t g_unwinder_code_count;

int note_code_ranges(dl_phdr_info *info, size_t, void *) {
  const uintptr_t wanted[] = {reinterpret_cast<uintptr_t>(&_Unwind_Backtrace),
                              reinterpret_cast<uintptr_t>(&visit_frame)};
  for (uint16_t i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr) &ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD || (ph.p_flags & PF_X) == 0)
      continue;
    const uintptr_t start = info->dlpi_addr + ph.p_vaddr;
    const uintptr_t end = start + ph.p_memsz;
    for (uintptr_t address : wanted)
      if (address >= start && address < end &&
          g_unwinder_code_count < sizeof g_unwinder_code / sizeof g_unwinder_code[0])
        g_unwinder_code[g_unwinder_code_count++] = {start, end};
  }
  return 0;
}

bool in_unwinder_code(uintptr_t pc) {
  for (size_t i = 0; i < g_unwinder_code_count; ++i)
    if (pc >= g_unwinder_code[i].start && pc < g_unwinder_code[i].end)
      return true;
  return false;
}

// Set while this thread unwinds: a fault in the unwinder comes back here.
__thread sigjmp_buf *t_recovery __attribute__((tls_model("initial-exec")));

size_t walk_from(uintptr_t start, uintptr_t *frames, uintptr_t *cfas,
                 size_t max) {
  if (max == 0)
    return 0;
  Walk walk{start, frames, cfas, max, 0, false};
  // A frame whose unwind tables do not describe its stack (inline assembly
  // that pushed, hand-written code) yields a wrong return address, and the
  // unwinder then reads code bytes at it. Such a walk ends where it went
  // wrong, with the frames found so far.
  sigjmp_buf recovery;
  sigjmp_buf *const outer = t_recovery;
  if (sigsetjmp(recovery, 0) == 0) {
    t_recovery = &recovery;
    _Unwind_Backtrace(visit_frame, &walk);
  }
  t_recovery = outer;
  if (!walk.started) {
    // The unwinder could not get past our frames: keep at least the pc.
    frames[0] = start;
    if (cfas != nullptr)
      cfas[0] = 0;
    return 1;
  }
  return walk.count;
}

}  // namespace

void recover_from_unwinder_fault(const ucontext_t &context) {
  sigjmp_buf *recovery = t_recovery;
  if (recovery == nullptr ||
      !in_unwinder_code(static_cast<uintptr_t>(context.uc_mcontext.gregs[REG_RIP])))
    return;
  t_recovery = nullptr;
  // Back in the walk with the mask it had (sigsetjmp does not save it: that
  // would cost a system call per stack captured).
  raw_syscall(SYS_rt_sigprocmask, SIG_SETMASK, reinterpret_cast<long>(&context.uc_sigmask), 0,
              8);
  siglongjmp(*recovery, 1);
}

void warm_up_unwinder() {
  dl_iterate_phdr(note_code_ranges, nullptr);
  uintptr_t frames[4];
  walk_from(0, frames, nullptr, 4);
}

size_t capture_interrupted_stack(const ucontext_t &context, uintptr_t *frames,
                                 size_t max) {
  const auto pc = static_cast<uintptr_t>(context.uc_mcontext.gregs[REG_RIP]);
  return walk_from(pc, frames, nullptr, max);
}

size_t capture_caller_stack(uintptr_t return_address, uintptr_t *frames,
                            size_t max) {
  return capture_caller_stack(return_address, frames, nullptr, max);
}

size_t capture_caller_stack(uintptr_t return_address, uintptr_t *frames,
                            uintptr_t *cfas, size_t max) {
  const size_t n = walk_from(return_address, frames, cfas, max);
  if (n > 0)
    frames[0] = return_address - 1;
  return n;
}

}  // namespace shmcheck::trap
