#include <pthread.h>
#include <ucontext.h>
#include <stdlib.h>

#include <atomic>

#include "core/core_api.h"
#include "interpose/interceptor.h"
#include "interpose/real_functions.h"
#include "interpose/runtime_state.h"
#include "interpose/sync_events.h"
#include "syscall/dispatch_switch.h"
#include "syscall/scratch_arena.h"
#include "trap/attachment_table.h"
#include "trap/stack_exclusion.h"
#include "interpose/thread_registry.h"
#include "trap/displaced_execution.h"
#include "trap/runtime_signal_stack.h"

using namespace shmcheck;
using namespace shmcheck::interpose;

namespace {

// Its destructor runs in every exiting thread that set a value, whether the
// thread returned, called pthread_exit or was cancelled.
pthread_key_t g_exit_key;
bool g_exit_key_ready = false;
std::atomic<uint64_t> g_creations{0};

struct StartRequest {
  void *(*routine)(void *);
  void *arg;
  uint64_t edge;  // creation counter: names the creation edge
};

core::SyncKey creation_key(uint64_t edge) {
  return {core::SyncKind::ForkEdge, core::process_incarnation(),
          core::kThreadCreateEdge | edge};
}

void on_thread_exit(void *) {
  if (checking()) {
    RuntimeScope scope;
    core::thread_exit();
  }
  trap::release_displaced_buffer();
  trap::release_runtime_signal_stack();
  syscall::release_scratch_arena();
}

void *start_thread(void *raw) {
  // Dispatch is not inherited by a new thread.
  syscall::arm_this_thread_if_active();
  const StartRequest request = *static_cast<StartRequest *>(raw);
  free(raw);
  if (checking()) {
    RuntimeScope scope;
    trap::install_runtime_signal_stack();
    if (core::ThreadState *thread = core::thread_start()) {
      if (g_exit_key_ready)
        pthread_setspecific(g_exit_key, reinterpret_cast<void *>(1));
      core::acquire(thread, creation_key(request.edge));
    }
  }
  return request.routine(request.arg);
}

}  // namespace

namespace shmcheck::interpose {

void prepare_thread_registry() {
  g_exit_key_ready = pthread_key_create(&g_exit_key, on_thread_exit) == 0;
}

}  // namespace shmcheck::interpose

namespace {

// A stack the program placed in a watched segment stays unwatched.
void exclude_stack_of(const pthread_attr_t *attr) {
  void *stack = nullptr;
  size_t size = 0;
  if (attr != nullptr && pthread_attr_getstack(attr, &stack, &size) == 0 &&
      stack != nullptr)
    trap::exclude_stack(reinterpret_cast<uintptr_t>(stack), size);
}

void exclude_stack_of(const ucontext_t *context) {
  if (context == nullptr || !trap::any_watched())
    return;
  const auto sp = static_cast<uintptr_t>(context->uc_mcontext.gregs[REG_RSP]);
  const auto base = reinterpret_cast<uintptr_t>(context->uc_stack.ss_sp);
  if (base != 0 && sp - base <= context->uc_stack.ss_size)
    trap::exclude_stack(base, context->uc_stack.ss_size);
  else
    trap::exclude_stack(sp - trap::kPageSize, 2 * trap::kPageSize);
}

}  // namespace

SHMCHECK_INTERCEPTOR int swapcontext(ucontext_t *from,
                                     const ucontext_t *to) noexcept {
  if (checking() && !in_runtime())
    exclude_stack_of(to);
  return real::swapcontext()(from, to);
}

SHMCHECK_INTERCEPTOR int setcontext(const ucontext_t *to) noexcept {
  if (checking() && !in_runtime())
    exclude_stack_of(to);
  return real::setcontext()(to);
}

SHMCHECK_INTERCEPTOR int pthread_create(pthread_t *thread,
                                        const pthread_attr_t *attr,
                                        void *(*routine)(void *),
                                        void *arg) noexcept {
  if (checking() && !in_runtime())
    exclude_stack_of(attr);
  if (!should_check())
    return real::pthread_create()(thread, attr, routine, arg);
  auto *request = static_cast<StartRequest *>(malloc(sizeof(StartRequest)));
  if (request == nullptr)
    return real::pthread_create()(thread, attr, routine, arg);
  *request = {routine, arg, g_creations.fetch_add(1) + 1};
  // Everything the creator did so far happens-before the new thread.
  release_event(creation_key(request->edge));
  const int rc = real::pthread_create()(thread, attr, start_thread, request);
  if (rc != 0)
    free(request);
  return rc;
}

namespace {

void joined(pthread_t thread) {
  acquire_event({core::SyncKind::ThreadExit, core::process_incarnation(),
                 static_cast<uint64_t>(thread)});
}

}  // namespace

SHMCHECK_INTERCEPTOR int pthread_join(pthread_t thread, void **result) {
  const int rc = real::pthread_join()(thread, result);
  if (rc == 0 && should_check())
    joined(thread);
  return rc;
}

SHMCHECK_INTERCEPTOR int pthread_tryjoin_np(pthread_t thread,
                                            void **result) noexcept {
  const int rc = real::pthread_tryjoin_np()(thread, result);
  if (rc == 0 && should_check())
    joined(thread);
  return rc;
}

SHMCHECK_INTERCEPTOR int pthread_timedjoin_np(pthread_t thread, void **result,
                                              const struct timespec *abstime) {
  const int rc = real::pthread_timedjoin_np()(thread, result, abstime);
  if (rc == 0 && should_check())
    joined(thread);
  return rc;
}
