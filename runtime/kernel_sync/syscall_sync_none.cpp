// No kernel-synchronisation model: system calls create no edges.
#include "kernel_sync/syscall_sync.h"

namespace shmcheck::kernel_sync {

void before_call(const SystemCall &) {}
void after_call(const SystemCall &, long) {}

}  // namespace shmcheck::kernel_sync
