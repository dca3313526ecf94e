#include "kernel_sync/signal_edges.h"

#include <sys/syscall.h>

#include "kernel_sync/kernel_keys.h"
#include "trap/raw_syscall.h"

namespace shmcheck::kernel_sync {

using trap::raw_syscall;

void signal_sent(core::ThreadState *thread, pid_t pid, int sig) {
  if (sig <= 0 || pid == -1) return;
  if (pid > 0) {
    core::release(thread, signal_key(pid, sig));
    return;
  }
  const pid_t group = pid == 0 ? static_cast<pid_t>(raw_syscall(SYS_getpgid, 0)) : -pid;
  if (group > 0) core::release(thread, signal_group_key(group, sig));
}

void signal_taken(core::ThreadState *thread, int sig) {
  if (sig <= 0) return;
  core::acquire(thread, signal_key(static_cast<pid_t>(raw_syscall(SYS_getpid)), sig));
  const long group = raw_syscall(SYS_getpgid, 0);
  if (group > 0) core::acquire(thread, signal_group_key(static_cast<pid_t>(group), sig));
}

}  // namespace shmcheck::kernel_sync

#include "kernel_sync/edge_gate.h"

namespace shmcheck::kernel_sync {

namespace {

bool has_sender(int sig, const siginfo_t *info) {
  if (info == nullptr) return false;
  const int code = info->si_code;
  if (code == SI_USER || code == SI_QUEUE || code == SI_TKILL) return true;
  return sig == SIGCHLD && (code == CLD_EXITED || code == CLD_KILLED || code == CLD_DUMPED);
}

}  // namespace

void handler_entered(int sig, const siginfo_t *info) {
  if (!has_sender(sig, info)) return;
  if (core::ThreadState *thread = edge_thread()) {
    interpose::RuntimeScope scope;
    signal_taken(thread, sig);
  }
}

}  // namespace shmcheck::kernel_sync
