#include "syscall/dispatch_switch.h"

#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "interpose/runtime_state.h"
#include "syscall/signal_restorer.h"
#include "trap/raw_syscall.h"
#include "trap/safe_log.h"

namespace shmcheck::syscall {

__thread volatile char t_selector __attribute__((tls_model("initial-exec"))) =
    kSelectorAllow;
__thread bool t_armed __attribute__((tls_model("initial-exec"))) = false;

namespace {

constexpr long kSetSyscallUserDispatch = 59;  // PR_SET_SYSCALL_USER_DISPATCH
constexpr long kDispatchOn = 1;               // PR_SYS_DISPATCH_ON

std::atomic<bool> g_active{false};
std::atomic<bool> g_unavailable_said{false};
unsigned long g_text_start = 0;
unsigned long g_text_length = 0;
// The value that marks an arming request among SIGSYS signals.
const char g_arm_tag = 0;

struct TextSearch {
  uintptr_t base;
  unsigned long start;
  unsigned long length;
};

int find_text(struct dl_phdr_info *info, size_t, void *raw) {
  auto *search = static_cast<TextSearch *>(raw);
  if (info->dlpi_addr != search->base)
    return 0;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr) &ph = info->dlpi_phdr[i];
    if (ph.p_type == PT_LOAD && (ph.p_flags & PF_X) != 0) {
      search->start = info->dlpi_addr + ph.p_vaddr;
      search->length = ph.p_memsz;
      return 1;
    }
  }
  return 0;
}

void rearm_in_child() {
  if (t_armed)
    arm_this_thread();
}

// Signals that may have a handler installed through libc: the runtime's
// own, and the ones noted by the sigaction interceptors.
std::atomic<uint64_t> g_handled{(uint64_t{1} << (SIGSEGV - 1)) |
                                (uint64_t{1} << (SIGTRAP - 1))};

// Handlers installed through libc return through libc's restorer, whose
// rt_sigreturn would itself be dispatched: give them the runtime's.
void adopt_restorers() {
  const uint64_t handled = g_handled.load(std::memory_order_relaxed);
  for (int sig = 1; sig < 65; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP ||
        (handled & (uint64_t{1} << (sig - 1))) == 0)
      continue;
    KernelSigaction action{};
    if (trap::raw_syscall(SYS_rt_sigaction, sig, 0,
                          reinterpret_cast<long>(&action), 8) != 0)
      continue;
    if (action.handler == SIG_DFL || action.handler == SIG_IGN ||
        action.restorer == signal_restorer())
      continue;
    action.flags |= kSaRestorer;
    action.restorer = signal_restorer();
    trap::raw_syscall(SYS_rt_sigaction, sig, reinterpret_cast<long>(&action),
                      0, 8);
  }
}

void ask_other_threads() {
  const long pid = trap::raw_syscall(SYS_getpid);
  const long self = trap::raw_syscall(SYS_gettid);
  const long fd = trap::raw_syscall(SYS_open,
                                    reinterpret_cast<long>("/proc/self/task"),
                                    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return;
  alignas(8) char buffer[2048];
  for (;;) {
    const long n = trap::raw_syscall(SYS_getdents64, fd,
                                     reinterpret_cast<long>(buffer),
                                     sizeof(buffer));
    if (n <= 0)
      break;
    for (long at = 0; at < n;) {
      const auto *entry = reinterpret_cast<const struct dirent64 *>(buffer + at);
      at += entry->d_reclen;
      long tid = 0;
      for (const char *c = entry->d_name; *c >= '0' && *c <= '9'; ++c)
        tid = tid * 10 + (*c - '0');
      if (tid <= 0 || tid == self)
        continue;
      siginfo_t info;
      memset(&info, 0, sizeof(info));
      info.si_signo = SIGSYS;
      info.si_code = SI_QUEUE;
      info.si_pid = static_cast<pid_t>(pid);
      info.si_uid = static_cast<uid_t>(trap::raw_syscall(SYS_getuid));
      info.si_value.sival_ptr = const_cast<char *>(&g_arm_tag);
      trap::raw_syscall(SYS_rt_tgsigqueueinfo, pid, tid, SIGSYS,
                        reinterpret_cast<long>(&info));
    }
  }
  trap::raw_syscall(SYS_close, fd);
}

}  // namespace

bool runtime_text(unsigned long *start, unsigned long *length) {
  *start = g_text_start;
  *length = g_text_length;
  return g_text_length != 0;
}

void prepare_dispatch() {
  Dl_info info;
  if (dladdr(reinterpret_cast<void *>(&prepare_dispatch), &info) != 0) {
    TextSearch search{reinterpret_cast<uintptr_t>(info.dli_fbase), 0, 0};
    dl_iterate_phdr(find_text, &search);
    g_text_start = search.start;
    g_text_length = search.length;
  }
  pthread_atfork(nullptr, nullptr, rearm_in_child);
}

void note_handler_installed(int sig) {
  if (sig >= 1 && sig <= 64)
    g_handled.fetch_or(uint64_t{1} << (sig - 1), std::memory_order_relaxed);
}

bool dispatch_active() { return g_active.load(std::memory_order_acquire); }

void arm_this_thread() {
  if (g_text_length == 0)
    return;
  t_armed = true;
  t_selector = interpose::in_runtime() ? kSelectorAllow : kSelectorBlock;
  const long rc = trap::raw_syscall(
      SYS_prctl, kSetSyscallUserDispatch, kDispatchOn,
      static_cast<long>(g_text_start), static_cast<long>(g_text_length),
      reinterpret_cast<long>(&t_selector));
  if (rc != 0) {
    t_armed = false;
    t_selector = kSelectorAllow;
    if (!g_unavailable_said.exchange(true))
      trap::SafeLine()
          .text("no syscall user dispatch in this kernel; system "
                "calls with memory in a watched segment may fail with EFAULT")
          .emit();
  }
}

void arm_this_thread_if_active() {
  if (dispatch_active() && !t_armed)
    arm_this_thread();
}

bool is_arm_request(const void *raw) {
  const auto *info = static_cast<const siginfo_t *>(raw);
  return info->si_code == SI_QUEUE &&
         info->si_pid == trap::raw_syscall(SYS_getpid) &&
         info->si_value.sival_ptr == &g_arm_tag;
}

void dispatch_all_threads() {
  if (g_text_length == 0 || g_active.exchange(true))
    return;
  adopt_restorers();
  arm_this_thread();
  ask_other_threads();
}

}  // namespace shmcheck::syscall
