#include "trap/trap_budget.h"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#include <atomic>

#include "trap/raw_syscall.h"
#include "trap/safe_log.h"
#include "trap/trap_lock.h"

namespace shmcheck::trap {

namespace {

// A unit is hot once it trapped this often within kHotWindowNs of being
// protected (or of its count starting over): only hot units are ever left
// unprotected, anything colder is always checked.
constexpr uint32_t kHotTraps = 16;
constexpr uint64_t kHotWindowNs = 100'000'000;
// Unprotected intervals: what pays the debt back, at least the minimum,
// doubled each time the unit is hot again right after it was protected
// again, never above the maximum (so a hot unit is sampled at least that
// often, whatever the debt).
constexpr uint64_t kMinOffNs = 2'000'000;
constexpr uint64_t kMaxOffNs = 500'000'000;
constexpr uint32_t kMaxLevel = 8;
// The debt is kept between these bounds: quiet time earns at most a little
// credit (a burst of traps after a long quiet period is not let through),
// and waiting that would have happened anyway (a server idle on its
// semaphore) cannot pile up more debt than one longest interval pays back.
constexpr int64_t kMaxCreditNs = 5'000'000;
constexpr int kCalibrationTraps = 16;
constexpr size_t kMaxUnits = 64;

struct Unit {
  uintptr_t start;  // 0: free
  uintptr_t length;
  uintptr_t attachment_base;
  int protection;       // the application's, restored while unprotected
  uint32_t traps;       // since counted_since
  uint64_t counted_since;
  uint64_t protected_at;  // when it was last protected again, 0 never
  uint32_t level;         // doublings of the next unprotected interval
  bool off;               // unprotected until off_until
  bool synchronizing;     // atomics synchronize here: never unprotected
  uint64_t off_until;
};

// Zero-initialized (no constructor runs): the library's constructor may use
// it before this file's dynamic initializers would have run.
struct Budget {
  int percent;
  uint64_t signal_round_trip_ns;
  // Traps and waits minus percent% of the rest of the process's CPU time,
  // since the start; positive means overspent. CPU time, not wall time: a
  // process that is not running (another one is, on the same CPU) does not
  // earn budget meanwhile.
  int64_t debt_ns;
  uint64_t last_cpu;
  uint64_t start_cpu;
  uint64_t total_traps;
  uint64_t total_waits;
  // Earliest off_until, 0 when no unit is off (read without the lock by
  // budget_tick).
  std::atomic<uint64_t> next_due;
  uint64_t unprotected;
  uint64_t reprotected;
  Unit units[kMaxUnits];
};

Budget g_budget;
std::atomic<bool> g_calibrating{false};
// Units currently unprotected: budget_tick's fast path.
std::atomic<int> g_off_units{0};
// Costs measured where the trap lock is not held (SIGTRAP handlers, waits
// in blocking calls), added to the debt at the next trap or tick.
std::atomic<uint64_t> g_pending_traps{0};
std::atomic<uint64_t> g_pending_waits{0};
// Shorter waits are the blocking call itself, not waiting.
constexpr uint64_t kWaitThresholdNs = 1000;
// A wait counts at most this much: waiting on a peer's traps inside its
// critical section takes a few traps' time, while a longer wait is a server
// idle on its latch or semaphore, which must not put it in debt for hours.
constexpr uint64_t kMaxCountedWaitNs = 1'000'000;

void set_protection(uintptr_t start, uintptr_t length, int protection) {
  raw_syscall(SYS_mprotect, static_cast<long>(start),
              static_cast<long>(length), protection);
}

int64_t max_debt() {
  return static_cast<int64_t>(kMaxOffNs) * g_budget.percent / 100;
}

// The CPU time of the whole process (all its threads).
uint64_t process_cpu_ns() {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u +
         static_cast<uint64_t>(ts.tv_nsec);
}

// Brings the debt up to date, with `trap_cost` spent on a trap now. Traps
// take CPU time; waits do not.
void update_debt(uint64_t trap_cost) {
  uint64_t traps =
      trap_cost + g_pending_traps.exchange(0, std::memory_order_relaxed);
  const uint64_t waits = g_pending_waits.exchange(0, std::memory_order_relaxed);
  const uint64_t cpu = process_cpu_ns();
  const uint64_t elapsed = cpu > g_budget.last_cpu ? cpu - g_budget.last_cpu : 0;
  g_budget.last_cpu = cpu;
  // A trap is timed by the clock on the wall: a handler that was preempted
  // (many processes on few CPUs) seems to take longer than the CPU time it
  // used. What the traps took is part of the CPU time that passed.
  if (traps > elapsed)
    traps = elapsed;
  const uint64_t rest = elapsed - traps;
  g_budget.total_traps += traps;
  g_budget.total_waits += waits;
  int64_t debt = g_budget.debt_ns + static_cast<int64_t>(traps + waits) -
                 static_cast<int64_t>(rest * g_budget.percent / 100);
  if (debt < -kMaxCreditNs)
    debt = -kMaxCreditNs;
  if (debt > max_debt())
    debt = max_debt();
  g_budget.debt_ns = debt;
}

void recompute_next_due() {
  uint64_t due = 0;
  for (const Unit &u : g_budget.units)
    if (u.start != 0 && u.off && (due == 0 || u.off_until < due))
      due = u.off_until;
  g_budget.next_due.store(due, std::memory_order_relaxed);
}

Unit *unit_for(uintptr_t start, uintptr_t length, const Attachment &a,
               uint64_t now) {
  Unit *free_unit = nullptr;
  Unit *coldest = nullptr;
  for (Unit &u : g_budget.units) {
    if (u.start == start && u.length == length)
      return &u;
    if (u.start == 0) {
      if (free_unit == nullptr)
        free_unit = &u;
    } else if (!u.off && !u.synchronizing &&
               (coldest == nullptr || u.traps < coldest->traps)) {
      coldest = &u;
    }
  }
  Unit *slot = free_unit != nullptr ? free_unit : coldest;
  if (slot == nullptr)
    return nullptr;  // every unit is unprotected: nothing to track for now
  *slot = Unit{};
  slot->start = start;
  slot->length = length;
  slot->attachment_base = a.base;
  slot->protection = a.protection();
  slot->counted_since = now;
  return slot;
}

// Leaves a hot unit unprotected until the debt is paid back (longer when it
// is hot again right after it was protected again).
void unprotect(Unit &u, uint64_t now) {
  if (u.protected_at != 0 && now - u.protected_at < kHotWindowNs) {
    if (u.level < kMaxLevel)
      ++u.level;
  } else {
    u.level = 0;
  }
  uint64_t off = static_cast<uint64_t>(g_budget.debt_ns) * 100 /
                 static_cast<uint64_t>(g_budget.percent);
  if (off < (kMinOffNs << u.level))
    off = kMinOffNs << u.level;
  if (off > kMaxOffNs)
    off = kMaxOffNs;
  set_protection(u.start, u.length, u.protection);
  u.off = true;
  u.off_until = now + off;
  ++g_budget.unprotected;
  g_off_units.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace

std::atomic<bool> g_budget_active{false};

uint64_t monotonic_ns() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u +
         static_cast<uint64_t>(ts.tv_nsec);
}


bool budget_calibrating() {
  return g_calibrating.load(std::memory_order_relaxed);
}

void start_trap_budget(int percent) {
  if (percent <= 0)
    return;
  g_budget.percent = percent;
  // A signal's round trip through the kernel (delivery, handler entry,
  // sigreturn), which the handlers cannot time themselves: measured with
  // int3 traps whose handler returns at once.
  g_calibrating.store(true);
  uint64_t total = 0;
  for (int i = 0; i < kCalibrationTraps; ++i) {
    const uint64_t before = monotonic_ns();
    __asm__ volatile("int3" ::: "memory");
    total += monotonic_ns() - before;
  }
  g_calibrating.store(false);
  g_budget.signal_round_trip_ns = total / kCalibrationTraps;
  g_budget.start_cpu = process_cpu_ns();
  g_budget.last_cpu = g_budget.start_cpu;
  g_budget_active.store(true);
}

void budget_reprotect_due(uint64_t now) {
  const uint64_t due = g_budget.next_due.load(std::memory_order_relaxed);
  if (due == 0 || now < due)
    return;
  for (Unit &u : g_budget.units) {
    if (u.start == 0 || !u.off || u.off_until > now)
      continue;
    u.off = false;
    g_off_units.fetch_sub(1, std::memory_order_relaxed);
    // Only while the attachment is still there: after a detach the range
    // may hold anything.
    Attachment a;
    if (!find_attachment(u.start, &a) || a.base != u.attachment_base ||
        u.start + u.length > a.base + a.mapped) {
      u = Unit{};
      continue;
    }
    set_protection(u.start, u.length, PROT_NONE);
    u.traps = 0;
    u.counted_since = now;
    u.protected_at = now;
    ++g_budget.reprotected;
  }
  recompute_next_due();
}

void budget_note_trap(uintptr_t fault_address, uint64_t entered,
                      bool may_unprotect, bool synchronizing) {
  const uint64_t now = monotonic_ns();
  update_debt(now - entered + g_budget.signal_round_trip_ns);
  Attachment a;
  if (!find_attachment(fault_address, &a))
    return;
  const uintptr_t start = a.whole_toggle ? a.base : page_down(fault_address);
  const uintptr_t length = a.whole_toggle ? a.mapped : kPageSize;
  Unit *unit = unit_for(start, length, a, now);
  if (unit == nullptr)
    return;
  if (now - unit->counted_since > kHotWindowNs) {
    unit->traps = 0;  // a slow trickle of traps is not hot
    unit->counted_since = now;
  }
  ++unit->traps;
  if (synchronizing)
    unit->synchronizing = true;
  if (!may_unprotect || g_budget.debt_ns <= 0)
    return;
  for (Unit &u : g_budget.units)
    if (u.start != 0 && !u.off && !u.synchronizing && u.traps >= kHotTraps)
      unprotect(u, now);
  recompute_next_due();
}

void budget_note_step(uint64_t entered) {
  g_pending_traps.fetch_add(
      monotonic_ns() - entered + g_budget.signal_round_trip_ns,
      std::memory_order_relaxed);
}

void budget_note_wait(uint64_t started) {
  uint64_t waited = monotonic_ns() - started;
  if (waited > kMaxCountedWaitNs)
    waited = kMaxCountedWaitNs;
  if (waited > kWaitThresholdNs)
    g_pending_waits.fetch_add(waited, std::memory_order_relaxed);
}


void budget_tick() {
  if (g_off_units.load(std::memory_order_relaxed) == 0)
    return;
  struct timespec coarse;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &coarse);
  const uint64_t now = static_cast<uint64_t>(coarse.tv_sec) * 1'000'000'000u +
                       static_cast<uint64_t>(coarse.tv_nsec);
  // Read without the lock: a stale deadline only moves the check by one
  // call; the decision is taken again under the lock.
  const uint64_t due = g_budget.next_due.load(std::memory_order_relaxed);
  if (due == 0 || now < due)
    return;
  SignalsBlocked blocked;
  trap_lock();
  update_debt(0);
  budget_reprotect_due(monotonic_ns());
  trap_unlock();
}

void budget_fork_child() {
  if (!budget_active())
    return;
  // The child's run starts now; the units (and their protection) are the
  // parent's, inherited with the address space.
  g_budget.start_cpu = process_cpu_ns();
  g_budget.last_cpu = g_budget.start_cpu;
  g_budget.debt_ns = 0;
  g_budget.total_traps = 0;
  g_budget.total_waits = 0;
  g_budget.unprotected = 0;
  g_budget.reprotected = 0;
  g_pending_traps.store(0, std::memory_order_relaxed);
  g_pending_waits.store(0, std::memory_order_relaxed);
}

void print_budget_summary(int pid) {
  if (!budget_active())
    return;
  const uint64_t cpu = process_cpu_ns() - g_budget.start_cpu;
  const uint64_t traps = g_budget.total_traps < cpu ? g_budget.total_traps : cpu;
  const uint64_t waits = g_budget.total_waits;
  const uint64_t rest = cpu - traps;
  SafeLine line;
  line.text("pid ").dec(pid).text(": trap budget ").dec(g_budget.percent)
      .text("%: traps took ").dec(static_cast<int64_t>(traps / 1000000))
      .text(" ms and waits ").dec(static_cast<int64_t>(waits / 1000000))
      .text(" ms, the rest ").dec(static_cast<int64_t>(rest / 1000000))
      .text(" ms of CPU (");
  // A share of less than a millisecond of CPU says nothing.
  if (rest >= 1'000'000)
    line.dec(static_cast<int64_t>((traps + waits) * 100 / rest)).text("%");
  else
    line.text("no share: too little CPU time");
  line.text("), units unprotected ")
      .dec(static_cast<int64_t>(g_budget.unprotected))
      .text(" times, protected again ")
      .dec(static_cast<int64_t>(g_budget.reprotected))
      .text(" times, signal round trip ")
      .dec(static_cast<int64_t>(g_budget.signal_round_trip_ns))
      .text(" ns")
      .emit();
}

}  // namespace shmcheck::trap
