// POSIX shared memory objects and memfds. Their mappings are watched by the
// mmap interceptor (mapping_interceptors.cpp), which identifies them by
// device and inode; here shm_unlink ends the shadow of an object with its
// last mapping (as IPC_RMID does for a System V segment), and these calls,
// like shmget, are points where pending reports are written.
#include <sys/mman.h>

#include <cerrno>

#include "interpose/interceptor.h"
#include "interpose/mapped_objects.h"
#include "interpose/real_functions.h"
#include "interpose/runtime_state.h"
#include "interpose/sync_events.h"

using namespace shmcheck;
using namespace shmcheck::interpose;

SHMCHECK_INTERCEPTOR int shm_open(const char *name, int flags, mode_t mode) noexcept {
  const int fd = real::shm_open()(name, flags, mode);
  const int saved_errno = errno;
  flush_reports_now();
  errno = saved_errno;
  return fd;
}

SHMCHECK_INTERCEPTOR int shm_unlink(const char *name) noexcept {
  if (!should_check())
    return real::shm_unlink()(name);
  // The object's identity while its name still leads to it.
  core::SegmentIdentity identity{};
  const bool known = identify_shm_name(name, &identity);
  const int rc = real::shm_unlink()(name);
  const int saved_errno = errno;
  if (rc == 0 && known) {
    RuntimeScope scope;
    core::object_removed(identity);
  }
  flush_reports_now();
  errno = saved_errno;
  return rc;
}

SHMCHECK_INTERCEPTOR int memfd_create(const char *name, unsigned int flags) noexcept {
  const int fd = real::memfd_create()(name, flags);
  const int saved_errno = errno;
  flush_reports_now();
  errno = saved_errno;
  return fd;
}
