#include "syscall/scratch_arena.h"

#include <sys/mman.h>
#include <sys/syscall.h>

#include "trap/raw_syscall.h"

namespace shmcheck::syscall {

namespace {

// Address space only: pages are allocated when a call first uses them.
constexpr size_t kArenaSize = size_t{1} << 20;

__thread char *t_arena __attribute__((tls_model("initial-exec")));
__thread size_t t_used __attribute__((tls_model("initial-exec")));

void *map_anonymous(size_t size) {
  const long p = trap::raw_syscall(SYS_mmap, 0, static_cast<long>(size),
                                   PROT_READ | PROT_WRITE,
                                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                                   -1, 0);
  return p < 0 && p > -4096 ? nullptr : reinterpret_cast<void *>(p);
}

}  // namespace

ScratchMark::ScratchMark() : mark_(t_used), large_(nullptr), large_size_(0) {}

ScratchMark::~ScratchMark() {
  t_used = mark_;
  if (large_ != nullptr)
    trap::raw_syscall(SYS_munmap, reinterpret_cast<long>(large_),
                      static_cast<long>(large_size_));
}

void *ScratchMark::allocate(size_t size) {
  size = (size + 15) & ~size_t{15};
  if (t_arena == nullptr)
    t_arena = static_cast<char *>(map_anonymous(kArenaSize));
  if (t_arena != nullptr && size <= kArenaSize - t_used) {
    void *p = t_arena + t_used;
    t_used += size;
    return p;
  }
  if (large_ != nullptr)
    return nullptr;
  large_ = map_anonymous(size);
  large_size_ = size;
  return large_;
}

void release_scratch_arena() {
  if (t_arena != nullptr && t_used == 0) {
    trap::raw_syscall(SYS_munmap, reinterpret_cast<long>(t_arena), kArenaSize);
    t_arena = nullptr;
  }
}

}  // namespace shmcheck::syscall
