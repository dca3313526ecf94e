#include "interpose/kernel_real_functions.h"

namespace shmcheck::interpose::real {

void resolve_kernel_calls() {
  for (void *fn : {reinterpret_cast<void *>(close()), reinterpret_cast<void *>(dup()),
                   reinterpret_cast<void *>(dup2()), reinterpret_cast<void *>(dup3()),
                   reinterpret_cast<void *>(fcntl()), reinterpret_cast<void *>(fcntl64()),
                   reinterpret_cast<void *>(flock()), reinterpret_cast<void *>(lockf()),
                   reinterpret_cast<void *>(fclose()), reinterpret_cast<void *>(pclose()),
                   reinterpret_cast<void *>(closedir()),
                   reinterpret_cast<void *>(mq_send()), reinterpret_cast<void *>(mq_timedsend()),
                   reinterpret_cast<void *>(mq_receive()),
                   reinterpret_cast<void *>(mq_timedreceive()), reinterpret_cast<void *>(msgsnd()),
                   reinterpret_cast<void *>(msgrcv()), reinterpret_cast<void *>(eventfd_read()),
                   reinterpret_cast<void *>(eventfd_write()), reinterpret_cast<void *>(kill()),
                   reinterpret_cast<void *>(raise()), reinterpret_cast<void *>(pthread_kill()),
                   reinterpret_cast<void *>(sigqueue()), reinterpret_cast<void *>(tgkill()),
                   reinterpret_cast<void *>(sigwait()), reinterpret_cast<void *>(sigwaitinfo()),
                   reinterpret_cast<void *>(sigtimedwait())})
    (void)fn;
}

namespace {
// Before main: a signal handler calling kill() must never be the first use.
__attribute__((constructor)) void resolve_at_start() { resolve_kernel_calls(); }
}  // namespace

}  // namespace shmcheck::interpose::real
