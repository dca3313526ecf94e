#include "syscall/in_place_stubs.h"

#include <sys/mman.h>
#include <sys/syscall.h>

#include <atomic>
#include <cstring>

#include "trap/raw_syscall.h"

// The stub area lies in the runtime's text, inside the range the kernel
// lets through. Filled with int3 until a stub is written.
__asm__(
    ".pushsection .text\n"
    ".p2align 12\n"
    "shmcheck_stub_area:\n"
    ".fill 16384, 1, 0xcc\n"
    ".popsection\n");

extern "C" char shmcheck_stub_area[];

namespace shmcheck::syscall {

namespace {

constexpr size_t kAreaSize = 16384;
constexpr size_t kStubSize = 16;  // syscall; jmp *0(%rip); .quad target
constexpr size_t kStubs = kAreaSize / kStubSize;

// Which return address each stub serves; 0: free, 1: being written.
std::atomic<uintptr_t> g_sites[kStubs];
std::atomic<bool> g_ready[kStubs];

void write_stub(size_t index, uintptr_t return_address) {
  char *stub = shmcheck_stub_area + index * kStubSize;
  const uintptr_t page = reinterpret_cast<uintptr_t>(stub) & ~uintptr_t{4095};
  // Writable and executable at once while written: other threads may be
  // running other stubs of the same page.
  trap::raw_syscall(SYS_mprotect, static_cast<long>(page), 4096,
                    PROT_READ | PROT_WRITE | PROT_EXEC);
  unsigned char code[kStubSize] = {0x0f, 0x05, 0xff, 0x25, 0, 0, 0, 0};
  memcpy(code + 8, &return_address, 8);
  memcpy(stub, code, kStubSize);
  trap::raw_syscall(SYS_mprotect, static_cast<long>(page), 4096,
                    PROT_READ | PROT_EXEC);
}

}  // namespace

bool runs_in_place(long number) {
  return number == SYS_rt_sigreturn || number == SYS_clone ||
         number == SYS_clone3 || number == SYS_fork || number == SYS_vfork;
}

uintptr_t in_place_stub(uintptr_t return_address) {
  const size_t start = (return_address >> 1) % kStubs;
  for (size_t probe = 0; probe < kStubs; ++probe) {
    const size_t i = (start + probe) % kStubs;
    uintptr_t site = g_sites[i].load(std::memory_order_acquire);
    if (site == 0) {
      if (g_sites[i].compare_exchange_strong(site, return_address)) {
        write_stub(i, return_address);
        g_ready[i].store(true, std::memory_order_release);
        return reinterpret_cast<uintptr_t>(shmcheck_stub_area + i * kStubSize);
      }
    }
    if (site == return_address) {
      while (!g_ready[i].load(std::memory_order_acquire))
        trap::raw_syscall(SYS_sched_yield);
      return reinterpret_cast<uintptr_t>(shmcheck_stub_area + i * kStubSize);
    }
  }
  return 0;
}

}  // namespace shmcheck::syscall
