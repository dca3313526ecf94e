#include "syscall/boundary.h"

#include <pthread.h>
#include <sys/syscall.h>

#include <new>

#include "interpose/runtime_state.h"
#include "kernel_sync/syscall_sync.h"
#include "syscall/asynchronous_io.h"
#include "syscall/call_translation.h"
#include "syscall/dispatch_switch.h"
#include "syscall/in_place_stubs.h"
#include "syscall/scratch_arena.h"
#include "trap/access_recorder.h"
#include "trap/raw_syscall.h"
#include "trap/stack_capture.h"

namespace shmcheck::syscall {

namespace {

class Recorder {
 public:
  explicit Recorder(const CallSite &site) : site_(site) {}

  void record(uintptr_t address, uint64_t size, core::AccessType type) {
    if (size == 0)
      return;
    if (frame_count_ == 0) {
      frame_count_ =
          site_.context != nullptr
              ? trap::capture_interrupted_stack(*site_.context, frames_,
                                                trap::kMaxFrames)
              : trap::capture_caller_stack(site_.return_address, frames_,
                                           trap::kMaxFrames);
    }
    trap::record_range(address, size, type, 0, frames_, frame_count_,
                       &recorded_);
  }
  // Writes publish at once; reads take their edge when complete.
  void complete_writes() {
    trap::complete_recorded(recorded_);
    recorded_.count = 0;
  }
  trap::RecordedAccesses &reads() { return recorded_; }

 private:
  const CallSite &site_;
  uintptr_t frames_[trap::kMaxFrames];
  size_t frame_count_ = 0;
  trap::RecordedAccesses recorded_{};
};

long run(long number, const long *a, bool cancellable) {
  // A signal handler of the program that runs while the call blocks must
  // have its own calls dispatched.
  const char selector = t_selector;
  t_selector = application_selector();
  if (cancellable)
    pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, nullptr);
  const long result =
      trap::raw_syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
  if (cancellable)
    pthread_setcanceltype(PTHREAD_CANCEL_DEFERRED, nullptr);
  t_selector = selector;
  return result;
}

}  // namespace

bool needs_dispatch_handler(long number) {
  return runs_in_place(number) || number == SYS_rt_sigaction ||
         number == SYS_rt_sigprocmask || number == SYS_sigaltstack;
}

long perform(long number, const long args[6], const CallSite &site) {
  const char selector = t_selector;
  t_selector = kSelectorAllow;
  int cancel_type = PTHREAD_CANCEL_DEFERRED;
  pthread_setcanceltype(PTHREAD_CANCEL_DEFERRED, &cancel_type);
  const bool cancellable =
      site.cancellation_point || cancel_type == PTHREAD_CANCEL_ASYNCHRONOUS;
  const bool program = interpose::should_check();
  before_possible_asynchronous_io(number);
  ScratchMark scratch;
  // In the arena, not on the stack: the handler runs on the interrupted
  // stack, which may be a small one (a coroutine's) that the system call
  // itself would not have used.
  void *room = scratch.allocate(sizeof(CallTranslation));
  if (room == nullptr) {
    const long result = run(number, args, cancellable);
    pthread_setcanceltype(cancel_type, nullptr);
    t_selector = selector;
    return result;
  }
  CallTranslation &call = *new (room) CallTranslation(number, args, &scratch);
  Recorder recorder(site);
  if (program && call.touches())
    for (size_t i = 0; i < call.note_count(); ++i) {
      const MemoryNote &n = call.note(i);
      if (n.direction != Direction::Out)
        recorder.record(n.address, n.size, core::AccessType::Read);
    }
  kernel_sync::SystemCall sync{number,
                               {args[0], args[1], args[2], args[3], args[4],
                                args[5]}};
  if (program)
    kernel_sync::before_call(sync);
  const long result = run(number, call.args(), cancellable);
  if (program)
    kernel_sync::after_call(sync, result);
  if (call.touches()) {
    call.finish(result);
    if (program) {
      trap::RecordedAccesses reads = recorder.reads();
      recorder.reads().count = 0;
      for (size_t i = 0; i < call.note_count(); ++i)
        if (const uint64_t n = call.written(i, result))
          recorder.record(call.note(i).address, n, core::AccessType::Write);
      recorder.complete_writes();
      trap::complete_recorded(reads);
    }
  }
  pthread_setcanceltype(cancel_type, nullptr);
  t_selector = selector;
  return result;
}

}  // namespace shmcheck::syscall
