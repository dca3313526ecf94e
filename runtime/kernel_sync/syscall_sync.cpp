// The system calls that synchronise, sorted by number into their rules
// (syscall_sync.h). Anything else costs the gate and one switch.
#include "kernel_sync/syscall_sync.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "interpose/sync_events.h"
#include "kernel_sync/descriptor_identity.h"
#include "kernel_sync/edge_gate.h"
#include "kernel_sync/file_locks.h"
#include "kernel_sync/kernel_keys.h"
#include "kernel_sync/signal_edges.h"
#include "kernel_sync/socket_channels.h"
#include "trap/attachment_table.h"
#include "trap/raw_syscall.h"

namespace shmcheck::kernel_sync {

namespace {

using trap::raw_syscall;

int fd_of(const SystemCall &call) { return static_cast<int>(call.args[0]); }

template <typename T>
const T *app_pointer(long value) {
  // Application memory may lie in a watched segment: read it through the alias.
  return static_cast<const T *>(trap::alias_of(reinterpret_cast<const void *>(value)));
}

// A descriptor's send half (write, send, close of a writer).
void release_send(core::ThreadState *thread, int fd, const struct sockaddr *to,
                  socklen_t to_length) {
  // A datagram sent to an address goes where the address says, whatever
  // the socket is connected to (only sockets take an address).
  core::SyncKey key;
  if (to != nullptr &&
      send_key_for_address(app_pointer<struct sockaddr>(reinterpret_cast<long>(to)), to_length,
                           &key)) {
    core::release(thread, key);
    return;
  }
  Descriptor d;
  if (describe(fd, &d) && d.has_send_key) core::release(thread, d.send_key);
}

// Its receive half.
void acquire_receive(core::ThreadState *thread, int fd, long buffer, long result) {
  Descriptor d;
  if (!describe(fd, &d)) return;
  if (d.kind == DescriptorKind::SignalFd) {
    // Each struct signalfd_siginfo (128 bytes) starts with the signal number.
    for (long at = 0; at + 128 <= result; at += 128)
      signal_taken(thread, static_cast<int>(*app_pointer<uint32_t>(buffer + at)));
    return;
  }
  if (d.has_receive_key) core::acquire(thread, d.receive_key);
}

// A futex word in a watched segment is (segment, offset) for every process;
// other futexes (process-private, libc's own) are left alone.
bool futex_key(long address, core::SyncKey *out) {
  const core::SyncKey key = interpose::sync_key_for(reinterpret_cast<const void *>(address));
  if (key.kind != core::SyncKind::InSegment) return false;
  *out = key;
  return true;
}

void futex_before(core::ThreadState *thread, const SystemCall &call) {
  core::SyncKey key;
  switch (static_cast<int>(call.args[1]) & FUTEX_CMD_MASK) {
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET:
    case FUTEX_UNLOCK_PI:
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE:
    case FUTEX_CMP_REQUEUE_PI:
      if (futex_key(call.args[0], &key)) core::release(thread, key);
      break;
    case FUTEX_WAKE_OP:
      if (futex_key(call.args[0], &key)) core::release(thread, key);
      if (futex_key(call.args[4], &key)) core::release(thread, key);
      break;
    default:
      break;
  }
}

void futex_after(core::ThreadState *thread, const SystemCall &call, long result) {
  if (result != 0) return;
  core::SyncKey key;
  switch (static_cast<int>(call.args[1]) & FUTEX_CMD_MASK) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET:
    case FUTEX_LOCK_PI:
    case FUTEX_LOCK_PI2:
    case FUTEX_TRYLOCK_PI:
      if (futex_key(call.args[0], &key)) core::acquire(thread, key);
      break;
    case FUTEX_WAIT_REQUEUE_PI:
      if (futex_key(call.args[0], &key)) core::acquire(thread, key);
      if (futex_key(call.args[4], &key)) core::acquire(thread, key);
      break;
    default:
      break;
  }
}

void mq_key_edge(core::ThreadState *thread, int mqd, bool release) {
  uint64_t dev, ino;
  uint32_t mode;
  if (!raw_fstat_identity(mqd, &dev, &ino, &mode)) return;
  if (release) core::release(thread, object_key(dev, ino));
  else core::acquire(thread, object_key(dev, ino));
}

// The reaping edge for wait4/waitid made without libc's wrappers (libc's
// own are intercepted in interpose/process_interceptors.cpp).
void reaped(core::ThreadState *thread, long pid, bool ended) {
  if (pid > 0 && ended) core::process_reaped(thread, static_cast<pid_t>(pid));
}

// Everything a process leaves behind when it ends: a SIGCHLD to its parent,
// and its file locks.
void process_ending(core::ThreadState *thread) {
  release_all_file_locks(thread);
  signal_sent(thread, static_cast<pid_t>(raw_syscall(SYS_getppid)), SIGCHLD);
}

bool is_fork(const SystemCall &call) {
  if (call.number == SYS_fork) return true;
  // clone without a shared address space or descriptor table is a fork
  // (vfork shares the parent's memory and is left alone).
  return call.number == SYS_clone && (call.args[0] & (CLONE_VM | CLONE_FILES)) == 0;
}

}  // namespace

void before_call(const SystemCall &call) {
  // Descriptor bookkeeping costs no system call and must not miss a close
  // made while nothing is watched yet.
  if (call.number == SYS_exit_group) {
    // Once per process, whatever is watched now: what it did before
    // unmapping is still ordered by its locks and its SIGCHLD.
    if (interpose::should_check())
      if (core::ThreadState *thread = core::current_thread()) {
        interpose::RuntimeScope scope;
        process_ending(thread);
      }
    return;
  }
  core::ThreadState *thread = edge_thread();
  const auto a = call.args;
  if (call.number == SYS_close_range) {
    for (long fd = a[0]; fd <= a[1] && fd < 4096; ++fd) {
      forget(static_cast<int>(fd));
      descriptor_gone(static_cast<int>(fd));
    }
    return;
  }
  if (thread == nullptr) {
    if (call.number == SYS_close) {
      forget(fd_of(call));
      descriptor_gone(fd_of(call));
    }
    return;
  }
  interpose::RuntimeScope scope;
  switch (call.number) {
    case SYS_write:
    case SYS_writev:
    case SYS_pwrite64:
    case SYS_pwritev:
    case SYS_pwritev2:
    case SYS_sendmmsg:
      release_send(thread, fd_of(call), nullptr, 0);
      break;
    case SYS_sendto:
      release_send(thread, fd_of(call), reinterpret_cast<const struct sockaddr *>(a[4]),
                   static_cast<socklen_t>(a[5]));
      break;
    case SYS_sendmsg: {
      const struct msghdr *msg = a[1] != 0 ? app_pointer<struct msghdr>(a[1]) : nullptr;
      release_send(thread, fd_of(call),
                   msg != nullptr ? static_cast<const struct sockaddr *>(msg->msg_name) : nullptr,
                   msg != nullptr ? msg->msg_namelen : 0);
      break;
    }
    case SYS_close: {
      const int fd = fd_of(call);
      Descriptor d;
      // Closing a writer is seen by the reader as the end of the stream.
      if (describe(fd, &d) && d.has_send_key &&
          (d.kind == DescriptorKind::Pipe || d.kind == DescriptorKind::Socket))
        core::release(thread, d.send_key);
      descriptor_closing(thread, fd);
      forget(fd);
      descriptor_gone(fd);
      break;
    }
    case SYS_dup2:
    case SYS_dup3:
      if (a[0] != a[1]) descriptor_closing(thread, static_cast<int>(a[1]));
      break;
    case SYS_fcntl:
      before_record_lock(thread, fd_of(call), static_cast<int>(a[1]),
                         reinterpret_cast<const struct flock *>(a[2]));
      break;
    case SYS_flock:
      before_flock(thread, fd_of(call), static_cast<int>(a[1]));
      break;
    case SYS_mq_timedsend:
      mq_key_edge(thread, fd_of(call), true);
      break;
    case SYS_msgsnd:
      core::release(thread, message_queue_key(a[0]));
      break;
    case SYS_kill:
      signal_sent(thread, static_cast<pid_t>(a[0]), static_cast<int>(a[1]));
      break;
    case SYS_tgkill:
    case SYS_rt_tgsigqueueinfo:
      signal_sent(thread, static_cast<pid_t>(a[0]), static_cast<int>(a[2]));
      break;
    case SYS_rt_sigqueueinfo:
      signal_sent(thread, static_cast<pid_t>(a[0]), static_cast<int>(a[1]));
      break;
    case SYS_tkill:  // a thread id: the main thread's is its process id
      signal_sent(thread, static_cast<pid_t>(a[0]), static_cast<int>(a[1]));
      break;
    case SYS_futex:
      futex_before(thread, call);
      break;
    default:
      break;
  }
}

void after_call(const SystemCall &call, long result) {
  if (is_fork(call)) {
    if (result >= 0 && interpose::should_check()) {
      mark_open_descriptors_shared();
      if (result == 0) forget_inherited_locks();
    }
    return;
  }
  switch (call.number) {
    case SYS_dup:
    case SYS_dup2:
    case SYS_dup3:
      if (result >= 0 && result != call.args[0]) {
        forget(static_cast<int>(result));
        descriptor_duplicated(static_cast<int>(call.args[0]), static_cast<int>(result));
      }
      return;
    case SYS_fcntl: {
      const int cmd = static_cast<int>(call.args[1]);
      if ((cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) && result >= 0) {
        forget(static_cast<int>(result));
        descriptor_duplicated(static_cast<int>(call.args[0]), static_cast<int>(result));
        return;
      }
      break;
    }
    default:
      break;
  }
  core::ThreadState *thread = edge_thread();
  if (thread == nullptr || result < 0) return;
  interpose::RuntimeScope scope;
  const auto a = call.args;
  switch (call.number) {
    case SYS_read:
    case SYS_readv:
    case SYS_recvfrom:
    case SYS_recvmsg:
    case SYS_recvmmsg:
      acquire_receive(thread, fd_of(call), a[1], result);
      break;
    case SYS_fcntl:
      after_record_lock(thread, fd_of(call), static_cast<int>(a[1]),
                        reinterpret_cast<const struct flock *>(a[2]), result);
      break;
    case SYS_flock:
      after_flock(thread, fd_of(call), static_cast<int>(a[1]), result);
      break;
    case SYS_mq_timedreceive:
      mq_key_edge(thread, fd_of(call), false);
      break;
    case SYS_msgrcv:
      core::acquire(thread, message_queue_key(a[0]));
      break;
    case SYS_rt_sigtimedwait:
      signal_taken(thread, static_cast<int>(result));
      break;
    case SYS_futex:
      futex_after(thread, call, result);
      break;
    case SYS_wait4:
      if (a[1] != 0) {
        const int status = *app_pointer<int>(a[1]);
        reaped(thread, result, WIFEXITED(status) || WIFSIGNALED(status));
      }
      break;
    case SYS_waitid:
      if (result == 0 && a[2] != 0) {
        const siginfo_t *info = app_pointer<siginfo_t>(a[2]);
        reaped(thread, info->si_pid, info->si_code == CLD_EXITED || info->si_code == CLD_KILLED ||
                                         info->si_code == CLD_DUMPED);
      }
      break;
    default:
      break;
  }
}

}  // namespace shmcheck::kernel_sync
