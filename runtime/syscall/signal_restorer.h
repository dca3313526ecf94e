// The return path of every signal handler while system calls are
// dispatched: rt_sigreturn issued from the runtime's own code, which the
// kernel lets through whatever the thread's selector says. (libc's own
// restorer lies outside that range: its rt_sigreturn would be dispatched.)
// Its bytes are the ones unwinders recognize as a signal frame's return.
#pragma once

#include <cstdint>

namespace shmcheck::syscall {

// struct sigaction as rt_sigaction takes it on x86-64.
// libc does not export it; the kernel ABI value.
inline constexpr unsigned long kSaRestorer = 0x04000000;

struct KernelSigaction {
  void (*handler)(int);
  unsigned long flags;
  void (*restorer)();
  uint64_t mask;
};

void (*signal_restorer())();

}  // namespace shmcheck::syscall
