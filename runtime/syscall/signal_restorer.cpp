#include "syscall/signal_restorer.h"

#include <sys/syscall.h>

// mov $SYS_rt_sigreturn, %rax; syscall -- exactly, so that the unwinder
// recognizes the frame (pthread_cancel unwinds through dispatched calls).
// The nop before it has no unwind entry: an unwinder looks up the byte
// before a return address, and must find nothing there and fall back to
// recognizing these bytes, not take the previous function's entry.
__asm__(
    ".pushsection .text\n"
    ".p2align 4\n"
    "  nop\n"
    ".type shmcheck_signal_restorer, @function\n"
    "shmcheck_signal_restorer:\n"
    "  movq $15, %rax\n"
    "  syscall\n"
    "  hlt\n"
    ".size shmcheck_signal_restorer, .-shmcheck_signal_restorer\n"
    ".popsection\n");

extern "C" void shmcheck_signal_restorer();

namespace shmcheck::syscall {

static_assert(SYS_rt_sigreturn == 15, "x86-64");

void (*signal_restorer())() { return &shmcheck_signal_restorer; }

}  // namespace shmcheck::syscall
