#include "trap/stack_capture.h"

#include <setjmp.h>
#include <unwind.h>

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

void recover_from_unwinder_fault() {
  if (sigjmp_buf *recovery = t_recovery) {
    t_recovery = nullptr;
    siglongjmp(*recovery, 1);
  }
}

void warm_up_unwinder() {
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
