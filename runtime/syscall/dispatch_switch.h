// Which threads have their system calls dispatched to the boundary.
//
// Linux's syscall user dispatch, per thread: once a thread is armed, every
// system call it makes from outside the runtime's own code raises SIGSYS
// instead of running, while the thread's selector byte says "block"; calls
// from inside libshmcheck.so (its text, including the in-place stubs and
// the signal restorer) always run. Nothing is armed until the process has a
// watched attachment: a process without one pays nothing. From then on
// every thread is armed: the ones that exist are asked with a signal, new
// ones arm themselves when they start, a forked child re-arms its thread.
//
// The selector is "allow" while the thread runs the runtime's own code (a
// RuntimeScope, a handler), so the libc calls the runtime makes for itself
// are not dispatched.
#pragma once

namespace shmcheck::syscall {

inline constexpr char kSelectorAllow = 0;  // SYSCALL_DISPATCH_FILTER_ALLOW
inline constexpr char kSelectorBlock = 1;  // SYSCALL_DISPATCH_FILTER_BLOCK

extern __thread volatile char t_selector __attribute__((tls_model("initial-exec")));
extern __thread bool t_armed __attribute__((tls_model("initial-exec")));

// The selector for application code of this thread.
inline char application_selector() {
  return t_armed ? kSelectorBlock : kSelectorAllow;
}

// [signal-safe] Arms every thread (once; later calls return at once).
// Called when an attachment becomes watched.
void dispatch_all_threads();
bool dispatch_active();

// [signal-safe] Arms the calling thread when dispatch is active.
void arm_this_thread_if_active();
// [signal-safe] For the SIGSYS handler: the request sent to other threads.
void arm_this_thread();
bool is_arm_request(const void *siginfo);

// The range of the runtime's own code (what the kernel lets through).
bool runtime_text(unsigned long *start, unsigned long *length);

// Installs the pthread_atfork handler that re-arms a forked child.
void prepare_dispatch();

// The program installed a handler for `sig` through libc before dispatch
// began: its restorer is replaced when dispatch begins. (A handler whose
// restorer is not replaced still works: its return runs in place, at the
// cost of one more SIGSYS.)
void note_handler_installed(int sig);

}  // namespace shmcheck::syscall
