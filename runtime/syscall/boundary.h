// The system-call boundary: one system call of the program, carried out so
// that it behaves as natively although the program's views of its watched
// segments are PROT_NONE, with what the kernel read and wrote there
// recorded as the calling thread's accesses.
//
// Order: the reads are recorded, the kernel-synchronisation model sees the
// call (release half), the call runs on moved arguments, the model sees the
// result (acquire half), written bytes are copied back and recorded, and
// the reads complete. [signal-safe]
#pragma once

#include <sys/ucontext.h>

#include <cstdint>

namespace shmcheck::syscall {

// Where the call came from, for the stacks of its access records.
struct CallSite {
  const ucontext_t *context = nullptr;  // the dispatched instruction's
  uintptr_t return_address = 0;         // or an interceptor's caller
  // A libc cancellation point (read, recv...): pthread_cancel may act
  // while the call blocks. A dispatched call is one when libc made the
  // thread's cancellation asynchronous around it, as its wrappers do.
  bool cancellation_point = false;
};

// Runs system call `number` for the program; returns the kernel's result
// (-errno on failure). Cancellation acts only while the call itself runs,
// never while the runtime holds a lock of its own.
long perform(long number, const long args[6], const CallSite &site);

// The calls that only the SIGSYS handler can carry out (they run in place,
// or act on the interrupted context): an interceptor leaves them to libc.
bool needs_dispatch_handler(long number);

}  // namespace shmcheck::syscall
