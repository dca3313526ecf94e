#include "patch/text_writer.h"

#include <fcntl.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>

#include "trap/raw_syscall.h"

namespace shmcheck::patch {

namespace {

using trap::raw_syscall;

// The process the registration was made for: a forked child registers
// again before its first patch.
long g_registered_pid = 0;

bool register_sync_core() {
  const long pid = raw_syscall(SYS_getpid);
  if (g_registered_pid == pid)
    return true;
  if (raw_syscall(SYS_membarrier,
                  MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE, 0) != 0)
    return false;
  g_registered_pid = pid;
  return true;
}

}  // namespace

bool prepare_text_writes() { return register_sync_core(); }

TextWriter::TextWriter()
    : fd_(raw_syscall(SYS_open, reinterpret_cast<long>("/proc/self/mem"),
                      O_RDWR | O_CLOEXEC)) {}

TextWriter::~TextWriter() {
  if (fd_ >= 0)
    raw_syscall(SYS_close, fd_);
}

bool TextWriter::write(uintptr_t address, const void *bytes, size_t size) {
  if (fd_ < 0)
    return false;
  return raw_syscall(SYS_pwrite64, fd_, reinterpret_cast<long>(bytes),
                     static_cast<long>(size), static_cast<long>(address)) ==
         static_cast<long>(size);
}

bool sync_cores() {
  return register_sync_core() &&
         raw_syscall(SYS_membarrier,
                     MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, 0) == 0;
}

}  // namespace shmcheck::patch
