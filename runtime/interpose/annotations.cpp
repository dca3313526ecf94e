// The public annotation API (runtime/include/shmcheck/annotations.h).
#include "shmcheck/annotations.h"

#include "interpose/interceptor.h"
#include "interpose/sync_events.h"

using namespace shmcheck::interpose;

SHMCHECK_INTERCEPTOR void shmcheck_release(const volatile void *addr) {
  release_event(sync_key_for(addr));
}

SHMCHECK_INTERCEPTOR void shmcheck_acquire(const volatile void *addr) {
  acquire_event(sync_key_for(addr));
}
