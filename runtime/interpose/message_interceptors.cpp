// Message passing that orders what the sender did before what the receiver
// does after (runtime/kernel_sync): POSIX message queues (by the queue's
// inode), System V message queues (by msqid) and eventfd counters (by the
// eventfd's id). The C library makes these system calls internally, out of
// reach of the read/write interceptors.
#include <mqueue.h>
#include <sys/eventfd.h>
#include <sys/msg.h>
#include <sys/syscall.h>

#include "interpose/interceptor.h"
#include "interpose/kernel_call.h"
#include "interpose/real_functions.h"
#include "trap/trap_budget.h"

using namespace shmcheck;
using namespace shmcheck::interpose;

SHMCHECK_INTERCEPTOR int mq_send(mqd_t queue, const char *message, size_t length,
                                 unsigned priority) {
  KernelCall call(SYS_mq_timedsend, queue, reinterpret_cast<long>(message),
                  static_cast<long>(length), priority);
  trap::BudgetedWait waiting;
  return call.returned(real::mq_send()(queue, message, length, priority));
}

SHMCHECK_INTERCEPTOR int mq_timedsend(mqd_t queue, const char *message, size_t length,
                                      unsigned priority, const struct timespec *timeout) {
  KernelCall call(SYS_mq_timedsend, queue, reinterpret_cast<long>(message),
                  static_cast<long>(length), priority, reinterpret_cast<long>(timeout));
  trap::BudgetedWait waiting;
  return call.returned(real::mq_timedsend()(queue, message, length, priority, timeout));
}

SHMCHECK_INTERCEPTOR ssize_t mq_receive(mqd_t queue, char *message, size_t length,
                                        unsigned *priority) {
  KernelCall call(SYS_mq_timedreceive, queue, reinterpret_cast<long>(message),
                  static_cast<long>(length), reinterpret_cast<long>(priority));
  ssize_t rc;
  {
    trap::BudgetedWait waiting;
    rc = real::mq_receive()(queue, message, length, priority);
  }
  return call.returned(rc);
}

SHMCHECK_INTERCEPTOR ssize_t mq_timedreceive(mqd_t queue, char *message, size_t length,
                                             unsigned *priority,
                                             const struct timespec *timeout) {
  KernelCall call(SYS_mq_timedreceive, queue, reinterpret_cast<long>(message),
                  static_cast<long>(length), reinterpret_cast<long>(priority),
                  reinterpret_cast<long>(timeout));
  ssize_t rc;
  {
    trap::BudgetedWait waiting;
    rc = real::mq_timedreceive()(queue, message, length, priority, timeout);
  }
  return call.returned(rc);
}

SHMCHECK_INTERCEPTOR int msgsnd(int queue, const void *message, size_t length, int flags) {
  KernelCall call(SYS_msgsnd, queue, reinterpret_cast<long>(message),
                  static_cast<long>(length), flags);
  trap::BudgetedWait waiting;
  return call.returned(real::msgsnd()(queue, message, length, flags));
}

SHMCHECK_INTERCEPTOR ssize_t msgrcv(int queue, void *message, size_t length, long type,
                                    int flags) {
  KernelCall call(SYS_msgrcv, queue, reinterpret_cast<long>(message),
                  static_cast<long>(length), type, flags);
  ssize_t rc;
  {
    trap::BudgetedWait waiting;
    rc = real::msgrcv()(queue, message, length, type, flags);
  }
  return call.returned(rc);
}

SHMCHECK_INTERCEPTOR int eventfd_read(int fd, eventfd_t *value) {
  KernelCall call(SYS_read, fd, reinterpret_cast<long>(value), sizeof *value);
  int rc;
  {
    trap::BudgetedWait waiting;
    rc = real::eventfd_read()(fd, value);
  }
  return call.returned(rc);
}

SHMCHECK_INTERCEPTOR int eventfd_write(int fd, eventfd_t value) {
  KernelCall call(SYS_write, fd, 0, sizeof value);
  return call.returned(real::eventfd_write()(fd, value));
}
