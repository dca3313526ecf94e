#include "syscall/asynchronous_io.h"

#include <sys/syscall.h>

#include <atomic>

#include "trap/attachment_table.h"
#include "trap/safe_log.h"
#include "trap/stack_exclusion.h"

namespace shmcheck::syscall {

namespace {

std::atomic<bool> g_said{false};

bool submits(long number) {
  return number == SYS_io_uring_enter || number == SYS_io_submit ||
         number == SYS_io_uring_register;
}

}  // namespace

void before_possible_asynchronous_io(long number) {
  if (!submits(number) || !trap::any_watched())
    return;
  const uintptr_t lo = trap::g_watched_bounds.lo.load(std::memory_order_relaxed);
  const uintptr_t hi = trap::g_watched_bounds.hi.load(std::memory_order_relaxed);
  if (!g_said.exchange(true))
    trap::SafeLine()
        .text("asynchronous I/O (io_uring or AIO) in a process with watched "
              "segments: they are left unchecked in this process")
        .emit();
  trap::unwatch_quietly(lo, hi - lo);
}

}  // namespace shmcheck::syscall
