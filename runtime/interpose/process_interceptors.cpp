// fork (parent -> child edge), the wait family (exited child -> reaper edge)
// and the exit paths that skip atexit.
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "core/core_api.h"
#include "interpose/interceptor.h"
#include "interpose/process_lifetime.h"
#include "interpose/real_functions.h"
#include "interpose/runtime_state.h"
#include "interpose/sync_events.h"
#include "kernel_sync/syscall_sync.h"

using namespace shmcheck;
using namespace shmcheck::interpose;

SHMCHECK_INTERCEPTOR pid_t fork() noexcept {
  if (!should_check())
    return real::fork()();
  {
    RuntimeScope scope;
    core::fork_prepare();
  }
  const pid_t pid = real::fork()();
  const int saved_errno = errno;
  {
    RuntimeScope scope;
    if (pid == 0) {
      note_process_identity();
      core::fork_child();
      note_forked_child();
    }
    else
      core::fork_parent(pid);
  }
  // Descriptors open now are shared with the child (kernel_sync).
  kernel_sync::after_call({SYS_fork, {}}, pid >= 0 ? pid : -saved_errno);
  errno = saved_errno;
  return pid;
}

namespace {

// Everything the child did happens-before the parent learns that it ended.
void reaped(pid_t pid, bool ended) {
  if (pid <= 0 || !ended || !should_check())
    return;
  if (core::ThreadState *thread = core::current_thread()) {
    RuntimeScope scope;
    core::process_reaped(thread, pid);
  }
}

bool ended(int status) { return WIFEXITED(status) || WIFSIGNALED(status); }

}  // namespace

// The status and rusage go through locals: the caller's buffers may lie in a
// watched segment, which the kernel could not write.
SHMCHECK_INTERCEPTOR pid_t wait(int *status) {
  int local = 0;
  const pid_t pid = real::waitpid()(-1, &local, 0);
  const int saved_errno = errno;
  reaped(pid, ended(local));
  if (pid > 0 && status != nullptr)
    *status = local;
  errno = saved_errno;
  return pid;
}

SHMCHECK_INTERCEPTOR pid_t waitpid(pid_t which, int *status, int options) {
  int local = 0;
  const pid_t pid = real::waitpid()(which, &local, options);
  const int saved_errno = errno;
  reaped(pid, ended(local));
  if (pid > 0 && status != nullptr)
    *status = local;
  errno = saved_errno;
  return pid;
}

SHMCHECK_INTERCEPTOR pid_t wait4(pid_t which, int *status, int options,
                                 struct rusage *usage) noexcept {
  int local = 0;
  struct rusage local_usage;
  const pid_t pid = real::wait4()(which, &local, options,
                                  usage != nullptr ? &local_usage : nullptr);
  const int saved_errno = errno;
  reaped(pid, ended(local));
  if (pid > 0 && status != nullptr)
    *status = local;
  if (pid > 0 && usage != nullptr)
    *usage = local_usage;
  errno = saved_errno;
  return pid;
}

SHMCHECK_INTERCEPTOR int waitid(idtype_t idtype, id_t id, siginfo_t *info,
                                int options) {
  siginfo_t local{};
  const int rc = real::waitid()(idtype, id, &local, options);
  const int saved_errno = errno;
  if (rc == 0) {
    const bool gone = local.si_code == CLD_EXITED ||
                      local.si_code == CLD_KILLED ||
                      local.si_code == CLD_DUMPED;
    reaped(local.si_pid, gone);
    if (info != nullptr)
      *info = local;
  }
  errno = saved_errno;
  return rc;
}

// exec replaces the image: print what is pending first. (The new image
// registers again; the core orders it after what this one did.)
SHMCHECK_INTERCEPTOR int execve(const char *path, char *const argv[],
                                char *const envp[]) noexcept {
  if (is_registered_process())
    flush_reports_now();
  return real::execve()(path, argv, envp);
}

SHMCHECK_INTERCEPTOR int execv(const char *path, char *const argv[]) noexcept {
  if (is_registered_process())
    flush_reports_now();
  return real::execv()(path, argv);
}

SHMCHECK_INTERCEPTOR int execvp(const char *file, char *const argv[]) noexcept {
  if (is_registered_process())
    flush_reports_now();
  return real::execvp()(file, argv);
}

SHMCHECK_INTERCEPTOR int execvpe(const char *file, char *const argv[],
                                 char *const envp[]) noexcept {
  if (is_registered_process())
    flush_reports_now();
  return real::execvpe()(file, argv, envp);
}

// _exit and _Exit skip atexit handlers and destructors: unregister (and
// print what is pending) here.
SHMCHECK_INTERCEPTOR void _exit(int status) {
  if (!in_runtime() && is_registered_process()) {
    finish_process();
    status = exit_status(status);
  }
  real::_exit()(status);
  __builtin_unreachable();
}

SHMCHECK_INTERCEPTOR void _Exit(int status) noexcept {
  if (!in_runtime() && is_registered_process()) {
    finish_process();
    status = exit_status(status);
  }
  real::_Exit()(status);
  __builtin_unreachable();
}
