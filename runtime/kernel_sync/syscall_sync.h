// The kernel's own synchronisation, seen as happens-before edges.
//
// Every front end that sees a system call the program makes reports it here,
// by number and raw arguments, once before it runs and once after: the libc
// interceptors (runtime/interpose) and the system-call boundary
// (runtime/syscall). So a pipe, socket, message queue, signal, futex or file
// lock orders two processes however the call was made: through libc's
// wrapper, through syscall(), or from inside libc itself.
//
// Both functions are [signal-safe]: the boundary calls them from its SIGSYS
// handler. They do nothing for a thread that is not registered.
#pragma once

namespace shmcheck::kernel_sync {

struct SystemCall {
  long number;   // SYS_*
  long args[6];  // as the kernel receives them (application addresses)
};

// Before the call runs: the release half (a send, a write to a pipe, kill,
// an unlock, a futex wake...).
void before_call(const SystemCall &call);

// After it returned `result` in the kernel's convention (a negative errno on
// failure, never -1 with errno): the acquire half (a receive, a lock, a wait).
void after_call(const SystemCall &call, long result);

}  // namespace shmcheck::kernel_sync
