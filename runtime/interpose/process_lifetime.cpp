#include "interpose/process_lifetime.h"

#include <pthread.h>
#include <stdio.h>
#include <sys/syscall.h>

#include <atomic>

#include "core/core_api.h"
#include "core/options.h"
#include "instrument/instrumented_mode.h"
#include "interpose/real_functions.h"
#include "interpose/runtime_state.h"
#include "interpose/thread_registry.h"
#include "kernel_sync/syscall_sync.h"
#include "syscall/dispatch_switch.h"
#include "syscall/sigsys_handler.h"
#include "patch/site_patching.h"
#include "trap/fault_handler.h"
#include "trap/fork_protection.h"
#include "trap/raw_syscall.h"
#include "trap/safe_log.h"
#include "trap/trap_budget.h"
#include "trap/trap_lock.h"

namespace shmcheck::interpose {

__thread int t_runtime_depth __attribute__((tls_model("initial-exec")));

namespace {

std::atomic<bool> g_checking{false};
std::atomic<bool> g_finished{false};
std::atomic<bool> g_race{false};
std::atomic<pid_t> g_pid{0};  // the process the core knows as us
int g_exitcode = 0;
// Whether a race changes our exit status: at the top of the checked process
// tree (or everywhere with exitcode_every_process). A checked child keeps
// its own status, because a supervisor (a server's master process) reads a
// child's unexpected status as a crash; the race is still reported, and the
// launcher exits with exitcode.
bool g_status_changes = true;
bool g_top = true;
uint64_t g_session_races_at_start = 0;

void note_race() {
  if (core::reported_race())
    g_race.store(true, std::memory_order_relaxed);
  // The top of the tree also answers for the races its children took part in.
  if (g_top && core::races_reported_in_session() > g_session_races_at_start)
    g_race.store(true, std::memory_order_relaxed);
}

void decide_exit_policy(bool top) {
  g_top = top;
  g_status_changes = top || core::options().exitcode_every_process;
  g_session_races_at_start = top ? core::races_reported_in_session() : 0;
}

}  // namespace

bool checking() { return g_checking.load(std::memory_order_relaxed); }

void set_checking(bool on) { g_checking.store(on, std::memory_order_relaxed); }

void note_forked_child() {
  g_race.store(false, std::memory_order_relaxed);
  decide_exit_policy(false);
}

void note_process_identity() {
  g_pid.store(static_cast<pid_t>(trap::raw_syscall(SYS_getpid)),
              std::memory_order_relaxed);
}

bool is_registered_process() {
  return static_cast<pid_t>(trap::raw_syscall(SYS_getpid)) ==
         g_pid.load(std::memory_order_relaxed);
}

void finish_process() {
  // A vfork child shares our memory: unregistering there would unregister
  // the parent.
  if (!is_registered_process())
    return;
  if (g_finished.exchange(true))
    return;
  if (!checking())
    return;
  // The process's last edges, while it is still checked: its file locks
  // go, and its parent gets SIGCHLD (kernel_sync).
  kernel_sync::before_call({SYS_exit_group, {}});
  RuntimeScope scope;
  // Stop recording first: threads still running keep trapping and stepping
  // (their pages stay protected) but no longer talk to the core.
  set_checking(false);
  if (core::options().verbosity >= 1)
    trap::SafeLine().text("pid ").dec(g_pid.load())
        .text(instrument::instrumented() ? " (instrumented)" : " (page traps)")
        .text(": accesses trapped ")
        .dec(static_cast<int64_t>(trap::trapped_accesses()))
        .text(", sites patched ")
        .dec(static_cast<int64_t>(patch::patch_counts().patched))
        .text(" of ").dec(static_cast<int64_t>(patch::patch_counts().hot))
        .text(" hot (traps at unpatched sites ")
        .dec(static_cast<int64_t>(patch::patch_counts().unpatched_traps))
        .text(")").emit();
  if (core::options().verbosity >= 2)
    patch::print_unpatched_sites(100);
  if (core::options().verbosity >= 1)
    trap::print_budget_summary(g_pid.load());
  note_race();
  core::process_exit();
  note_race();
}

int exit_status(int status) {
  return status == 0 && g_status_changes && g_race.load(std::memory_order_relaxed)
             ? g_exitcode
             : status;
}

namespace {

__attribute__((constructor)) void start_checking() {
  RuntimeScope scope;
  note_process_identity();
  if (!core::process_start())
    return;  // the core printed why; the program runs unchecked
  g_exitcode = core::options().exitcode;
  decide_exit_policy(!core::parent_is_checked());
  prepare_thread_registry();
  trap::register_fork_handlers();
  if (!trap::install_trap_handlers(core::options().verbosity,
                                   core::options().trap_budget)) {
    trap::SafeLine().text("cannot install the fault handlers; running unchecked").emit();
    core::process_exit();
    return;
  }
  syscall::prepare_dispatch();
  if (!syscall::install_sigsys_handler())
    trap::SafeLine().text("cannot install the SIGSYS handler; system calls "
                          "with memory in a watched segment may fail").emit();
  set_checking(true);
}

// Runs from exit() after the application's atexit handlers and destructors
// (ours was the first library initialized after libc, so it is among the
// last finalized). A process whose status a race changes exits with
// `exitcode` here whatever status it was exiting with (its own status is not
// known at this point), after flushing stdio itself because the rest of
// exit() is skipped.
__attribute__((destructor)) void stop_checking() {
  finish_process();
  if (g_status_changes && g_race.load(std::memory_order_relaxed)) {
    fflush(nullptr);
    real::_exit()(g_exitcode);
  }
}

}  // namespace

}  // namespace shmcheck::interpose
