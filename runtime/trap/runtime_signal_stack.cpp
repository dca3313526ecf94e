#include "trap/runtime_signal_stack.h"

#include <sys/mman.h>
#include <sys/syscall.h>

#include <cerrno>

#include "trap/attachment_table.h"
#include "trap/raw_syscall.h"

namespace shmcheck::trap {

namespace {

// The handlers decode, unwind and record: far more than MINSIGSTKSZ. Only
// the pages touched are ever backed.
constexpr size_t kStackBytes = 256 * 1024;

constexpr int kAutoDisarm = 1 << 31;  // SS_AUTODISARM (Linux 4.7)

// Guard page, then the stack.
__thread char *t_mapping __attribute__((tls_model("initial-exec"))) = nullptr;

void *stack_base() { return t_mapping + kPageSize; }

bool holds_runtime_stack(const stack_t &kernel) {
  return t_mapping != nullptr && (kernel.ss_flags & SS_DISABLE) == 0 &&
         kernel.ss_sp == stack_base();
}

long kernel_sigaltstack(const stack_t *next, stack_t *old) {
  return raw_syscall(SYS_sigaltstack, reinterpret_cast<long>(next),
                     reinterpret_cast<long>(old));
}

long give_runtime_stack() {
  stack_t ours{};
  ours.ss_sp = stack_base();
  ours.ss_size = kStackBytes;
  return kernel_sigaltstack(&ours, nullptr);
}

}  // namespace

void install_runtime_signal_stack() {
  if (t_mapping == nullptr) {
    const long mapped = raw_syscall(
        SYS_mmap, 0, static_cast<long>(kPageSize + kStackBytes),
        PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
        -1, 0);
    if (mapped < 0 && mapped > -4096)
      return;  // the handlers keep running on the thread's own stack
    raw_syscall(SYS_mprotect, mapped, static_cast<long>(kPageSize), PROT_NONE);
    t_mapping = reinterpret_cast<char *>(mapped);
  }
  stack_t current{};
  if (kernel_sigaltstack(nullptr, &current) == 0 &&
      (current.ss_flags & SS_DISABLE) != 0)
    give_runtime_stack();
}

void release_runtime_signal_stack() {
  if (t_mapping == nullptr)
    return;
  stack_t current{};
  if (kernel_sigaltstack(nullptr, &current) == 0 &&
      holds_runtime_stack(current)) {
    stack_t off{};
    off.ss_flags = SS_DISABLE;
    if (kernel_sigaltstack(&off, nullptr) != 0)
      return;  // still on it: keep the mapping
  }
  raw_syscall(SYS_munmap, reinterpret_cast<long>(t_mapping),
              static_cast<long>(kPageSize + kStackBytes));
  t_mapping = nullptr;
}

long application_sigaltstack(const stack_t *next, stack_t *old) {
  stack_t previous{};
  long rc = kernel_sigaltstack(nullptr, &previous);
  if (rc != 0)
    return rc;
  const bool ours = holds_runtime_stack(previous);
  if (ours) {
    previous = stack_t{};
    previous.ss_flags = SS_DISABLE;
  }
  if (next != nullptr) {
    const int mode = next->ss_flags & ~kAutoDisarm;
    if (mode == SS_DISABLE) {
      if (!ours) {
        // The program's goes (the kernel checks it is not running on it),
        // the runtime's comes back.
        rc = kernel_sigaltstack(next, nullptr);
        if (rc != 0)
          return rc;
        if (t_mapping != nullptr)
          give_runtime_stack();
      }
    } else if (mode != 0 && mode != SS_ONSTACK) {
      return -EINVAL;
    } else {
      // The kernel checks the size and that the caller is not running on
      // the stack it replaces.
      rc = kernel_sigaltstack(next, nullptr);
      if (rc != 0)
        return rc;
    }
  }
  if (old != nullptr)
    *old = previous;
  return 0;
}

}  // namespace shmcheck::trap
