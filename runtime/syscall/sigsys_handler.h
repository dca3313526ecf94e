// The SIGSYS handler that receives dispatched system calls.
//
// It runs on the interrupted stack (no SA_ONSTACK), so that a dispatched
// sigaltstack() sees the stack the program is on, and without deferring
// SIGSYS (a program's signal handler that runs while a dispatched call
// blocks may itself make calls). SIGSYS that the runtime did not cause (a
// seccomp trap, kill) goes to the program's own SIGSYS disposition.
#pragma once

namespace shmcheck::syscall {

// Installs the handler (with the runtime's restorer).
bool install_sigsys_handler();

}  // namespace shmcheck::syscall
