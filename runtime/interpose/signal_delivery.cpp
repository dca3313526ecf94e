#include "interpose/signal_delivery.h"

#include <atomic>

#include "kernel_sync/signal_edges.h"

namespace shmcheck::interpose {

namespace {

constexpr int kSignals = 65;

// The application's handler for each signal: its address and whether it
// takes siginfo (SA_SIGINFO). Written before the kernel can deliver through
// the trampoline, read by the trampoline.
struct AppHandler {
  std::atomic<void *> function;
  std::atomic<bool> takes_info;
};
AppHandler g_handlers[kSignals];

bool wrappable(int sig, const struct sigaction &action) {
  return sig > 0 && sig < kSignals && action.sa_handler != SIG_DFL &&
         action.sa_handler != SIG_IGN;
}

void trampoline(int sig, siginfo_t *info, void *context) {
  kernel_sync::handler_entered(sig, info);
  if (sig <= 0 || sig >= kSignals) return;
  void *function = g_handlers[sig].function.load(std::memory_order_acquire);
  if (function == nullptr) return;
  if (g_handlers[sig].takes_info.load(std::memory_order_relaxed))
    reinterpret_cast<void (*)(int, siginfo_t *, void *)>(function)(sig, info, context);
  else
    reinterpret_cast<void (*)(int)>(function)(sig);
}

}  // namespace

struct sigaction wrap_handler(int sig, const struct sigaction &action) {
  if (!wrappable(sig, action)) return action;
  struct sigaction wrapped = action;
  wrapped.sa_sigaction = trampoline;
  wrapped.sa_flags |= SA_SIGINFO;
  // Stored before the kernel can use the trampoline for this signal: a
  // signal arriving between the two finds the new handler already.
  const bool info = (action.sa_flags & SA_SIGINFO) != 0;
  g_handlers[sig].takes_info.store(info, std::memory_order_relaxed);
  g_handlers[sig].function.store(info ? reinterpret_cast<void *>(action.sa_sigaction)
                                      : reinterpret_cast<void *>(action.sa_handler),
                                 std::memory_order_release);
  return wrapped;
}

void unwrap_handler(int sig, struct sigaction *old) {
  if (old == nullptr || sig <= 0 || sig >= kSignals || old->sa_sigaction != trampoline) return;
  const bool info = g_handlers[sig].takes_info.load(std::memory_order_relaxed);
  void *function = g_handlers[sig].function.load(std::memory_order_acquire);
  if (info) old->sa_sigaction = reinterpret_cast<void (*)(int, siginfo_t *, void *)>(function);
  else old->sa_handler = reinterpret_cast<void (*)(int)>(function);
  if (!info) old->sa_flags &= ~SA_SIGINFO;
}

}  // namespace shmcheck::interpose
