// The core's entry points (core_api.h): process, thread and fork lifetime,
// segments, synchronization and held locks. The checks themselves are in
// shadow_access.cpp; the shared tables in the *_registry/sync_table files.
#include "core_api.h"

#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <ctime>

#include <fmt/format.h>
#include <pthread.h>
#include <unistd.h>

#include "active_suppressions.h"
#include "libc_direct.h"
#include "module_map.h"
#include "options.h"
#include "process_liveness.h"
#include "process_registry.h"
#include "shadow_commit.h"
#include "record_log.h"
#include "robust_mutex.h"
#include "core_state.h"
#include "segment_registry.h"
#include "shared_state.h"
#include "state_location.h"
#include "sync_table.h"
#include "sync_words.h"
#include "vector_clock.h"

// Optional hook defined by the checked program (runtime/include/shmcheck/hooks.h).
extern "C" __attribute__((weak)) const char *__shmcheck_default_options();

namespace shmcheck::core {

Runtime g_runtime;

namespace {

// initial-exec: reading it from a signal handler must never allocate.
__attribute__((tls_model("initial-exec"))) thread_local ThreadState *t_current = nullptr;

// How long a spawned process waits for its parent's fork_parent().
constexpr int kSpawnWaitMs = 500;

// Fork reservation made by fork_prepare, consumed by fork_parent/fork_child.
uint32_t g_fork_process = kNoIndex;
uint32_t g_fork_slot = kNoIndex;
bool g_involved_at_exit = false;
bool g_warned_slots = false;

pid_t current_tid() { return gettid(); }

void parse_options_once() {
  if (g_runtime.options_parsed) return;
  char error[256];
  const char *text = getenv("SHMCHECK_OPTIONS");
  // The program's built-in defaults come first, so the environment wins.
  char combined[4096];
  const char *defaults =
      __shmcheck_default_options != nullptr ? __shmcheck_default_options() : nullptr;
  if (defaults != nullptr && defaults[0] != '\0') {
    int n = snprintf(combined, sizeof combined, "%s:%s", defaults, text != nullptr ? text : "");
    if (n > 0 && static_cast<size_t>(n) < sizeof combined)
      text = combined;
    else
      print_error("shmcheck: __shmcheck_default_options() is too long; ignoring it");
  }
  if (!parse_options(text, g_runtime.options, error, sizeof error))
    print_error(error);
  g_runtime.options_parsed = true;
  if (g_runtime.options.help) print_options_help(2);
}

ThreadState *bind_thread(uint32_t slot) {
  ThreadState &t = g_runtime.threads[slot];
  t = ThreadState{};
  t.slot = slot;
  t.shm = &state().slots[slot];
  t.tid = current_tid();
  t.in_use = true;
  t_current = &t;
  return &t;
}

void advance_epoch(ThreadState *thread) {
  Clock &own = thread->shm->vc.c[thread->slot];
  if (own < kClockLimit) ++own;
  thread->shm->clock.store(own, std::memory_order_relaxed);
}

// The thread's slot names the locks it holds (ThreadSlotShm::held).
void publish_held_locks(ThreadState *thread) {
  if (thread->shm == nullptr) return;
  for (uint32_t i = 0; i < kSlotHeldLocks; ++i) {
    uint64_t tag = 0;
    if (i < thread->nlocks) {
      const SyncKey &key = thread->locks[i].key;
      tag = held_lock_tag(static_cast<uint8_t>(key.kind), key.a, key.b);
    }
    if (thread->shm->held[i].load(std::memory_order_relaxed) != tag)
      thread->shm->held[i].store(tag, std::memory_order_relaxed);
  }
}

// No locks hashes to 0, as a freshly bound thread has it.
void rehash_locks(ThreadState *thread) {
  publish_held_locks(thread);
  if (thread->nlocks == 0) {
    thread->locks_hash = 0;
    return;
  }
  uint64_t h = 0x84222325cbf29ce4ull ^ thread->nlocks;
  for (uint32_t i = 0; i < thread->nlocks; ++i) {
    const HeldLock &held = thread->locks[i];
    for (uint64_t part : {static_cast<uint64_t>(held.key.kind) << 1 | held.shared,
                          held.key.a, held.key.b}) {
      h = (h ^ part) * 0x100000001b3ull;
      h ^= h >> 31;
    }
  }
  thread->locks_hash = h;
}

void warn_slots_exhausted(const char *what) {
  if (g_warned_slots) return;
  g_warned_slots = true;
  char line[160];
  snprintf(line, sizeof line, "shmcheck: all %u %s are in use; pid %d runs partly unchecked",
           kMaxSlots, what, static_cast<int>(getpid()));
  print_error(line);
}

void print_counters() {
  const StateHeaderShm &h = state().header;
  std::string text = fmt::format(
      "shmcheck: pid {} leaves '{}': races reported {}, reports dropped {}, processes "
      "registered {}, reclaimed {}, unordered slot reuses {}, sync evictions {}, read sets "
      "exhausted {}, lock recoveries {}, expanded words exhausted {}, state {} MiB (peak {} "
      "MiB, limit {} MiB), shadow chunks refused {}\n",
      g_runtime.pid, g_runtime.state_name, h.races_reported.load(), h.reports_dropped.load(),
      h.processes_registered.load(), h.processes_reclaimed.load(),
      h.unordered_slot_reuses.load(), h.sync_evictions.load(), h.readset_exhausted.load(),
      h.lock_recoveries.load(), h.expanded_exhausted.load(), h.state_bytes.load() >> 20,
      h.state_peak_bytes.load() >> 20, h.state_limit_bytes.load() >> 20,
      h.chunks_refused.load());
  ssize_t ignored = write(2, text.data(), text.size());
  (void)ignored;
}

// The first process of a session sets its room (max_state_mb, or what the
// machine allows).
void set_state_limit(StateHeaderShm &h) {
  if (h.state_limit_bytes.load(std::memory_order_relaxed) != 0) return;
  const uint64_t limit = g_runtime.options.max_state_mb > 0
                             ? static_cast<uint64_t>(g_runtime.options.max_state_mb) << 20
                             : state_limit_default();
  uint64_t unset = 0;
  h.state_limit_bytes.compare_exchange_strong(unset, limit);
}

// Registers this process (registry lock held). `inherit` is the clock of an
// earlier image of this same process (before exec), if any.
bool register_process(const VectorClockShm *inherit) {
  uint32_t index = allocate_process_entry();
  if (index == kNoIndex) {
    warn_slots_exhausted("process entries");
    return false;
  }
  ProcessShm &p = state().processes[index];
  p.pid = static_cast<uint32_t>(g_runtime.pid);
  p.start_time = g_runtime.start_time;
  uint32_t slot = allocate_slot(index, p.incarnation, current_tid(), inherit);
  if (slot == kNoIndex) {
    p.state = kProcessFree;
    warn_slots_exhausted("thread slots");
    return false;
  }
  p.state = kProcessLive;
  g_runtime.process_index = index;
  g_runtime.incarnation = p.incarnation;
  state().header.processes_registered.fetch_add(1, std::memory_order_relaxed);
  bind_thread(slot);
  return true;
}

enum class JoinResult { Joined, Retry, WaitForParent, Failed };

// A reservation by our parent that does not name its child yet: a
// posix_spawn (or vfork+exec) whose fork_parent() has not run yet.
bool parent_reservation_pending(const SharedStateShm &shared) {
  uint32_t parent = static_cast<uint32_t>(getppid());
  for (const ProcessShm &p : shared.processes)
    if (p.state == kProcessReserved && p.pid == 0 && p.reserver_pid == parent) return true;
  return false;
}

// Registers this process in a freshly mapped state.
JoinResult join_state(SharedStateShm *shared, bool may_wait) {
  RobustLock lock(shared->header.registry_lock);
  if (!lock.ok()) {
    print_error("shmcheck: the shared state's lock is unusable; running unchecked");
    return JoinResult::Failed;
  }
  // Its last user is removing it: start over with a fresh one.
  if (shared->header.status.load() == kStateClosed) return JoinResult::Retry;
  reclaim_dead_processes(kNoIndex);
  // An entry with our own pid and start time is this process before an
  // exec: what it did happens before everything we do.
  VectorClockShm inherit;
  vc_clear(inherit);
  bool have_inherit = false;
  // The same goes for a reservation our parent made for us (posix_spawn):
  // its slot holds the parent's clock.
  uint32_t earlier = find_process(g_runtime.pid, kNoIndex);
  if (earlier == kNoIndex && may_wait && parent_reservation_pending(*shared))
    return JoinResult::WaitForParent;
  if (earlier != kNoIndex && (shared->processes[earlier].start_time == 0 ||
                              shared->processes[earlier].start_time == g_runtime.start_time)) {
    process_clock(earlier, inherit);
    have_inherit = true;
    retire_process(earlier);
  }
  if (!register_process(have_inherit ? &inherit : nullptr)) return JoinResult::Failed;
  g_runtime.enabled.store(true);
  return JoinResult::Joined;
}

}  // namespace

void print_error(const char *line) {
  size_t len = strlen(line);
  ssize_t ignored = write(2, line, len);
  ignored = write(2, "\n", 1);
  (void)ignored;
}

void note_lock_recovered() {
  if (g_runtime.state != nullptr)
    state().header.lock_recoveries.fetch_add(1, std::memory_order_relaxed);
}

const Options &options() {
  parse_options_once();
  return g_runtime.options;
}

bool process_start() {
  if (g_runtime.started) return g_runtime.enabled.load();
  g_runtime.started = true;
  libc::resolve();
  parse_options_once();
  char location_note[256];
  choose_state_name(g_runtime.options.session.c_str(), g_runtime.state_name,
                    sizeof g_runtime.state_name, location_note, sizeof location_note);
  g_runtime.pid = getpid();
  g_runtime.start_time = process_start_time(g_runtime.pid);
  find_memory_cgroup();
  for (int attempt = 0; attempt < 4 && !g_runtime.enabled.load(); ++attempt) {
    char error[256];
    SharedStateShm *shared = open_shared_state(g_runtime.state_name, error, sizeof error);
    if (shared == nullptr) {
      print_error(error);
      return false;
    }
    g_runtime.state = shared;
    // Said once, by the process that made the state under the private name.
    if (location_note[0] != '\0' && shared->header.creator_pid == static_cast<uint32_t>(getpid()))
      print_error(location_note);
    set_state_limit(shared->header);
    JoinResult result = join_state(shared, true);
    // A parent that spawned us is about to name us in its reservation.
    for (int waited = 0; result == JoinResult::WaitForParent; ++waited) {
      struct timespec pause = {0, 1000000};
      nanosleep(&pause, nullptr);
      result = join_state(shared, waited < kSpawnWaitMs);
    }
    if (result == JoinResult::Failed) return false;
    if (result == JoinResult::Retry) {
      g_runtime.state = nullptr;
      unmap_shared_state(shared);
    }
  }
  if (!g_runtime.enabled.load()) {
    print_error("shmcheck: the shared state keeps being removed; running unchecked");
    return false;
  }
  refresh_modules();
  load_suppressions();
  record_process_started();
  if (g_runtime.options.verbosity >= 1) {
    char line[200];
    snprintf(line, sizeof line, "shmcheck: pid %d checks under '%s' (process %u, slot %u)",
             static_cast<int>(g_runtime.pid), g_runtime.state_name, g_runtime.process_index,
             t_current != nullptr ? t_current->slot : 0);
    print_error(line);
  }
  return true;
}

void process_exit() {
  if (!g_runtime.enabled.load()) return;
  // Called from a signal handler (exit() in a handler) that interrupted this
  // thread inside one of the core's critical sections: leave as a killed
  // process does, without taking any lock. The interrupted lock is taken
  // over by its next locker once we are gone; the others reclaim our entry
  // and print what we queued; the last one removes the state.
  if (interrupted_inside_lock()) {
    g_involved_at_exit = reported_race();
    g_runtime.enabled.store(false);
    return;
  }
  flush_reports();
  if (g_runtime.options.verbosity >= 1) {
    print_counters();
    print_sync_word_counters();
    print_suppression_counts();
  }
  record_process_exit();
  g_involved_at_exit = reported_race();
  g_runtime.enabled.store(false);
  RobustLock lock(state().header.registry_lock);
  if (!lock.ok()) return;
  // Our threads' clocks go to SyncKey{ProcessExit, pid} for whoever waits
  // for us; our slots and attachments are released.
  retire_process(g_runtime.process_index);
  reclaim_dead_processes(kNoIndex);
  if (count_other_processes(kNoIndex) == 0) {
    state().header.status.store(kStateClosed, std::memory_order_release);
    unlink_shared_state(g_runtime.state_name);
  }
  t_current = nullptr;
  // The mappings stay until the process ends: a signal handler of another
  // thread may still be reading them.
}

bool reported_race() {
  if (g_runtime.reported_race.load() || g_involved_at_exit) return true;
  if (!g_runtime.enabled.load() || g_runtime.process_index >= kMaxProcesses) return false;
  const ProcessShm &p = state().processes[g_runtime.process_index];
  return p.incarnation == g_runtime.incarnation &&
         (p.flags.load(std::memory_order_relaxed) & kProcessRaceInvolved) != 0;
}

uint64_t races_reported_in_session() {
  if (!g_runtime.enabled.load() || g_runtime.state == nullptr) return 0;
  return state().header.races_reported.load(std::memory_order_relaxed);
}

bool parent_is_checked() {
  if (!g_runtime.enabled.load() || g_runtime.state == nullptr) return false;
  RobustLock lock(state().header.registry_lock);
  if (!lock.ok()) return false;
  return find_process(getppid(), g_runtime.process_index) != kNoIndex;
}

uint64_t process_incarnation() { return g_runtime.incarnation; }

void plain_loads_are_exact() { g_runtime.exact_plain_loads = true; }

ThreadState *current_thread() {
  return g_runtime.enabled.load(std::memory_order_relaxed) ? t_current : nullptr;
}

ThreadState *thread_start() {
  if (!g_runtime.enabled.load()) return nullptr;
  if (t_current != nullptr) return t_current;
  uint32_t slot;
  {
    RobustLock lock(state().header.registry_lock);
    if (!lock.ok()) return nullptr;
    slot = allocate_slot(g_runtime.process_index, g_runtime.incarnation, current_tid(), nullptr);
    if (slot == kNoIndex) {
      reclaim_dead_processes(g_runtime.process_index);
      slot = allocate_slot(g_runtime.process_index, g_runtime.incarnation, current_tid(), nullptr);
    }
  }
  if (slot == kNoIndex) {
    warn_slots_exhausted("thread slots");
    return nullptr;
  }
  return bind_thread(slot);
}

void thread_exit() {
  ThreadState *t = t_current;
  if (t == nullptr || !g_runtime.enabled.load()) return;
  release(t, SyncKey{SyncKind::ThreadExit, g_runtime.incarnation,
                     static_cast<uint64_t>(pthread_self())});
  {
    RobustLock lock(state().header.registry_lock);
    if (lock.ok()) free_slot(t->slot);
  }
  t->in_use = false;
  t_current = nullptr;
}

void fork_prepare() {
  ThreadState *t = current_thread();
  g_fork_process = g_fork_slot = kNoIndex;
  if (t == nullptr) return;
  flush_reports();  // a child must not inherit (and print again) our pending output
  RobustLock lock(state().header.registry_lock);
  if (!lock.ok()) return;
  for (int attempt = 0; attempt < 2 && g_fork_slot == kNoIndex; ++attempt) {
    if (attempt == 1) reclaim_dead_processes(g_runtime.process_index);
    uint32_t index = allocate_process_entry();
    if (index == kNoIndex) continue;
    ProcessShm &p = state().processes[index];
    p.reserver_pid = static_cast<uint32_t>(g_runtime.pid);
    p.reserved_at = g_runtime.incarnation;
    // The child starts with everything this thread has seen: fork edge.
    uint32_t slot = allocate_slot(index, p.incarnation, 0, &t->shm->vc);
    if (slot == kNoIndex) {
      p.state = kProcessFree;
      continue;
    }
    g_fork_process = index;
    g_fork_slot = slot;
    segments_lend_to_child(index);
  }
  if (g_fork_slot == kNoIndex) warn_slots_exhausted("thread slots");
  // What the parent does after fork is concurrent with the child.
  advance_epoch(t);
}

void fork_parent(pid_t child) {
  if (g_fork_process == kNoIndex) return;
  RobustLock lock(state().header.registry_lock);
  if (!lock.ok()) return;
  ProcessShm &p = state().processes[g_fork_process];
  if (child > 0) {
    if (p.state == kProcessReserved && p.pid == 0) p.pid = static_cast<uint32_t>(child);
  } else {
    free_slot(g_fork_slot);
    segments_drop_process(g_fork_process);
    p.state = kProcessFree;
  }
  g_fork_process = g_fork_slot = kNoIndex;
}

void fork_child() {
  forget_lock_owner_id();  // this thread has a new id
  if (!g_runtime.enabled.load()) return;
  ThreadState *parent_thread = t_current;
  // Only the forking thread exists here; every other ThreadState is stale.
  for (ThreadState &t : g_runtime.threads) t.in_use = false;
  t_current = nullptr;
  reset_modules();
  reset_report_writer();
  g_runtime.reported_race.store(false);
  g_runtime.reported_count.store(0);
  g_runtime.pid = getpid();
  g_runtime.start_time = process_start_time(g_runtime.pid);
  g_warned_slots = false;
  if (g_fork_process == kNoIndex) {
    g_runtime.enabled.store(false);
    return;
  }
  HeldLock inherited[kMaxHeldLocks];
  uint32_t ninherited = 0;
  if (parent_thread != nullptr) {
    // Process-private locks held at fork are held by the child's copy too.
    for (uint32_t i = 0; i < parent_thread->nlocks && i < kMaxHeldLocks; ++i)
      if (parent_thread->locks[i].key.kind == SyncKind::ProcessLocal)
        inherited[ninherited++] = parent_thread->locks[i];
  }
  {
    RobustLock lock(state().header.registry_lock);
    if (!lock.ok()) {
      g_runtime.enabled.store(false);
      return;
    }
    ProcessShm &p = state().processes[g_fork_process];
    p.pid = static_cast<uint32_t>(g_runtime.pid);
    p.start_time = g_runtime.start_time;
    p.state = kProcessLive;
    state().slots[g_fork_slot].tid = static_cast<uint32_t>(current_tid());
    g_runtime.process_index = g_fork_process;
    g_runtime.incarnation = p.incarnation;
    state().header.processes_registered.fetch_add(1, std::memory_order_relaxed);
    segments_adopt_inherited();
  }
  ThreadState *t = bind_thread(g_fork_slot);
  for (uint32_t i = 0; i < ninherited; ++i) t->locks[t->nlocks++] = inherited[i];
  rehash_locks(t);
  g_fork_process = g_fork_slot = kNoIndex;
  refresh_modules();
  record_process_started();
}

void process_reaped(ThreadState *thread, pid_t pid) {
  if (!g_runtime.enabled.load() || pid <= 0) return;
  {
    RobustLock lock(state().header.registry_lock);
    if (!lock.ok()) return;
    uint32_t index = find_process(pid, g_runtime.process_index);
    // The child ended without process_exit (killed, or _exit not seen):
    // publish its clocks now, from its slots.
    if (index != kNoIndex) {
      const ProcessShm &p = state().processes[index];
      if (process_is_gone(pid, p.start_time)) retire_process(index);
    }
  }
  if (thread != nullptr) acquire(thread, SyncKey{SyncKind::ProcessExit, static_cast<uint64_t>(pid), 0});
}

SegmentRef segment_attached(const SegmentIdentity &identity, size_t size,
                            const StackTrace *where) {
  if (!g_runtime.enabled.load()) return kNoSegment;
  SegmentRef segment = attach_segment(identity, size, where, t_current);
  if (segment != kNoSegment) record_segment_attached(identity, size);
  return segment;
}

void segment_detached(SegmentRef segment) {
  if (g_runtime.enabled.load()) detach_segment(segment);
}

void segment_removed(SegmentRef segment) {
  if (g_runtime.enabled.load()) remove_segment(segment);
}

void segment_named(SegmentRef segment, const char *description) {
  if (g_runtime.enabled.load()) name_segment(segment, description);
}

void segment_attached_again(SegmentRef segment) {
  if (g_runtime.enabled.load()) attach_segment_again(segment);
}

void object_removed(const SegmentIdentity &identity) {
  if (g_runtime.enabled.load()) remove_object(identity);
}

void acquire(ThreadState *thread, const SyncKey &key) {
  if (thread == nullptr || !g_runtime.enabled.load(std::memory_order_relaxed)) return;
  sync_acquire_into(thread->shm->vc, key, is_one_shot(key.kind));
}

void release(ThreadState *thread, const SyncKey &key) {
  if (thread == nullptr || !g_runtime.enabled.load(std::memory_order_relaxed)) return;
  take_pending_acquire(thread);  // it happened before this release
  sync_release_from(key, thread->shm->vc);
  advance_epoch(thread);
}

void atomic_update_done(ThreadState *thread, SegmentRef segment, uint64_t offset,
                        uint64_t size, uint64_t before, uint64_t after, bool exchange) {
  if (thread == nullptr || size == 0 || size > 8 || !g_runtime.enabled.load(std::memory_order_relaxed))
    return;
  spin_update(thread, segment, offset, before, after, exchange);
}

void sync_destroyed(const SyncKey &key) {
  if (g_runtime.enabled.load()) sync_forget(key);
}


void lock_held(ThreadState *thread, const SyncKey &key, bool shared) {
  if (thread == nullptr) return;
  if (thread->nlocks == kMaxHeldLocks) {
    // Keep the most recent ones: drop the oldest.
    memmove(&thread->locks[0], &thread->locks[1], sizeof(HeldLock) * (kMaxHeldLocks - 1));
    --thread->nlocks;
  }
  thread->locks[thread->nlocks++] = HeldLock{key, shared};
  rehash_locks(thread);
}

void lock_dropped(ThreadState *thread, const SyncKey &key) {
  if (thread == nullptr) return;
  for (uint32_t i = thread->nlocks; i-- > 0;) {
    const SyncKey &held = thread->locks[i].key;
    if (held.kind == key.kind && held.a == key.a && held.b == key.b) {
      memmove(&thread->locks[i], &thread->locks[i + 1],
              sizeof(HeldLock) * (thread->nlocks - i - 1));
      --thread->nlocks;
      rehash_locks(thread);
      return;
    }
  }
}

}  // namespace shmcheck::core
