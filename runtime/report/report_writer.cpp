// flush_reports(): takes the races queued in the shared state (ours, and
// those of processes that died before printing theirs), symbolizes both
// stacks, drops suppressed races and duplicates by source lines, and writes
// the reports to stderr or log_path.PID (and, with report_json, as JSON
// records).
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <pthread.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <fmt/format.h>

#include "active_suppressions.h"
#include "core_api.h"
#include "libc_direct.h"
#include "module_map.h"
#include "race_queue.h"
#include "race_record.h"
#include "record_log.h"
#include "report_format.h"
#include "core_state.h"
#include "stack_depot.h"
#include "symbolizer.h"

namespace shmcheck::core {
namespace {

pthread_mutex_t g_flush_mutex = PTHREAD_MUTEX_INITIALIZER;
int g_log_fd = -1;
pid_t g_log_pid = 0;

int output_fd() {
  const Options &o = g_runtime.options;
  if (o.log_path.empty()) return 2;
  if (g_log_fd >= 0 && g_log_pid == getpid()) return g_log_fd;
  std::string path = fmt::format("{}.{}", o.log_path.c_str(), getpid());
  g_log_fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  g_log_pid = getpid();
  if (g_log_fd < 0) {
    print_error(fmt::format("shmcheck: cannot open log '{}': {}; writing to stderr", path,
                            strerror(errno))
                    .c_str());
    g_log_fd = 2;
  }
  return g_log_fd;
}

// False when the text could not all be written.
bool write_fully(int fd, const std::string &text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// A report that the log cannot take (a full disk, /dev/full) goes to stderr
// after one line that says so; later reports go to stderr directly.
void write_all(int fd, const std::string &text) {
  if (write_fully(fd, text) || fd == 2) return;
  const int saved = errno;
  print_error(fmt::format("shmcheck: cannot write to log '{}.{}': {}; writing reports to "
                          "stderr",
                          g_runtime.options.log_path.c_str(), getpid(),
                          strerror(saved != 0 ? saved : EIO))
                  .c_str());
  if (g_log_fd > 2) close(g_log_fd);
  g_log_fd = 2;
  write_fully(2, text);
}

std::string base_name(const std::string &path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string access_kind(uint8_t type) {
  switch (static_cast<AccessType>(type)) {
    case AccessType::Read: return "read";
    case AccessType::Write: return "write";
    case AccessType::AtomicRead: return "atomic read";
    case AccessType::AtomicWrite: return "atomic write";
    case AccessType::AtomicUpdate: return "atomic update";
  }
  return "access";
}

// A POSIX object is named by what the front end called it ("object
// /dev/shm/x", "anonymous shared mapping"...) and by device and inode, the
// device as major:minor like /proc/PID/maps shows it.
std::string segment_text(uint8_t kind, uint64_t id, uint64_t key, const std::string &name) {
  if (static_cast<SegmentKind>(kind) == SegmentKind::PosixObject)
    return fmt::format("{} dev={}:{} ino={}", name.empty() ? "shared object" : name,
                       major(static_cast<dev_t>(id)), minor(static_cast<dev_t>(id)), key);
  return fmt::format("segment shmid={} key=0x{:x}", id, key);
}

// The name of the segment a report is about, while its entry (even freed)
// still describes that segment.
std::string segment_name(uint32_t index, uint8_t kind, uint64_t id, uint64_t key) {
  if (index >= kMaxSegments) return "";
  const SegmentShm &seg = state().segments[index];
  const SegmentNameShm &name = state().segment_names[index];
  if (seg.kind != kind || seg.id != id || seg.key != key || name.generation != seg.generation)
    return "";
  return std::string(name.text, strnlen(name.text, sizeof name.text));
}

std::string lock_text(const HeldLockShm &lock) {
  std::string mode = lock.shared ? "read " : "write ";
  switch (static_cast<SyncKind>(lock.kind)) {
    case SyncKind::SpinWord:  // a spinlock word: named like a lock in a segment
      mode = "spin ";
      [[fallthrough]];
    case SyncKind::InSegment: {
      if (lock.a < kMaxSegments) {
        const SegmentShm &seg = state().segments[lock.a];
        if (seg.state == kSegmentLive ||
            (lock.segment_known && seg.generation == lock.segment_generation))
          return fmt::format("{}{}+0x{:x}", mode,
                             static_cast<SegmentKind>(seg.kind) == SegmentKind::SysV
                                 ? fmt::format("shmid={}", seg.id)
                                 : fmt::format("ino={}", seg.key),
                             lock.b);
      }
      return fmt::format("{}segment#{}+0x{:x}", mode, lock.a, lock.b);
    }
    case SyncKind::SysVSemaphore: return fmt::format("{}semid={}[{}]", mode, lock.a, lock.b);
    case SyncKind::NamedSemaphore: return fmt::format("{}sem#{:x}", mode, lock.a);
    case SyncKind::ProcessLocal: return fmt::format("{}local 0x{:x}", mode, lock.b);
    case SyncKind::FileLock: {
      // runtime/kernel_sync/file_locks.cpp packs the byte below bit 40.
      const uint64_t byte = lock.b & ((1ull << 40) - 1);
      if (byte >= (1ull << 40) - 3)
        return fmt::format("{}file lock ino={} (whole file)", mode, lock.a);
      return fmt::format("{}file lock ino={} byte {}", mode, lock.a, byte);
    }
    default: return fmt::format("{}lock {}:{:x}:{:x}", mode, lock.kind, lock.a, lock.b);
  }
}

// A race taken out of the shared queue, with its stacks' frames.
struct TakenRace {
  uint32_t detector_pid;
  uint8_t seg_kind;
  uint64_t seg_id, seg_key, seg_size;
  std::string seg_name;
  uint32_t where_pid, where_tid;
  bool previous_known;
  AccessSnapshotShm current_access, previous_access;
  std::vector<PackedFrame> current, previous, where;
};

std::vector<PackedFrame> stack_frames(uint32_t id) {
  PackedFrame frames[kMaxStackDepth];
  uint32_t n = depot_get(id, frames, kMaxStackDepth);
  return std::vector<PackedFrame>(frames, frames + n);
}

bool detector_alive(const ReportShm &r) {
  for (const ProcessShm &p : state().processes)
    if (p.state != kProcessFree && p.incarnation == r.detector_incarnation) return true;
  return false;
}

std::vector<TakenRace> take_pending() {
  std::vector<TakenRace> taken;
  for (ReportShm &r : state().reports) {
    if (r.state.load(std::memory_order_acquire) != kReportPending) continue;
    if (r.detector_incarnation != g_runtime.incarnation && detector_alive(r)) continue;
    uint32_t expected = kReportPending;
    if (!r.state.compare_exchange_strong(expected, kReportPrinting)) continue;
    TakenRace race;
    race.detector_pid = r.detector_pid;
    race.seg_kind = r.seg_kind;
    race.seg_id = r.seg_id;
    race.seg_key = r.seg_key;
    race.seg_size = r.seg_size;
    race.seg_name = segment_name(r.segment, r.seg_kind, r.seg_id, r.seg_key);
    race.where_pid = r.where_pid;
    race.where_tid = r.where_tid;
    race.previous_known = r.previous_known != 0;
    race.current_access = r.current;
    race.previous_access = r.previous;
    uint32_t where_stack = r.where_stack;
    r.state.store(kReportFree, std::memory_order_release);
    race.current = stack_frames(race.current_access.stack_id);
    if (race.previous_known) race.previous = stack_frames(race.previous_access.stack_id);
    race.where = stack_frames(where_stack);
    taken.push_back(std::move(race));
  }
  return taken;
}

// Collects every frame to symbolize in one run of the symbolizer.
class FrameBatch {
 public:
  size_t add(PackedFrame frame, bool is_return_address) {
    report::CodeAddress address{"", frame_offset(frame)};
    char path[kModulePathMax + 8];
    if (module_path(frame_module(frame), path, sizeof path)) {
      address.module = path;
      // A return address points after the call: look up the call itself.
      if (is_return_address && address.offset > 0) address.offset -= 1;
    }
    addresses_.push_back(address);
    return addresses_.size() - 1;
  }
  void run(const std::string &override_path, bool enabled) {
    if (enabled) symbols_ = report::symbolize(addresses_, override_path);
    symbols_.resize(addresses_.size());
  }
  const std::vector<report::SourceFrame> &symbols(size_t i) const { return symbols_[i]; }
  const report::CodeAddress &address(size_t i) const { return addresses_[i]; }

 private:
  std::vector<report::CodeAddress> addresses_;
  std::vector<std::vector<report::SourceFrame>> symbols_;
};

std::vector<size_t> add_stack(FrameBatch &batch, const std::vector<PackedFrame> &frames) {
  std::vector<size_t> ids;
  for (size_t i = 0; i < frames.size(); ++i) ids.push_back(batch.add(frames[i], i > 0));
  return ids;
}

// The canonical path of the preloaded runtime, when this code is it (empty
// when it is linked into a program, as in the unit tests). A plain array,
// never destroyed: reports are also written while the process exits, after
// static destructors may have run. Called with g_flush_mutex held.
const char *runtime_module() {
  static char path[PATH_MAX];
  static bool known = false;
  if (!known) {
    known = true;
    Dl_info info{};
    if (dladdr(reinterpret_cast<void *>(&runtime_module), &info) != 0 &&
        info.dli_fname != nullptr &&
        strncmp(base_name(info.dli_fname).c_str(), "libshmcheck", 11) == 0 &&
        realpath(info.dli_fname, path) == nullptr)  // as LD_PRELOAD named it
      snprintf(path, sizeof path, "%s", info.dli_fname);
  }
  return path;
}

std::vector<report::PrintedFrame> printed_stack(const FrameBatch &batch,
                                                const std::vector<PackedFrame> &frames,
                                                const std::vector<size_t> &ids) {
  std::vector<report::PrintedFrame> out;
  for (size_t i = 0; i < ids.size(); ++i) {
    const std::vector<report::SourceFrame> &symbols = batch.symbols(ids[i]);
    const report::CodeAddress &address = batch.address(ids[i]);
    // Below the access, the runtime's own frames are how a signal handler
    // of the program came to run inside a system call the runtime performs
    // for it: the program did not call them.
    if (i > 0 && !address.module.empty() && address.module == runtime_module()) continue;
    // Inlined frames first (innermost), all at the same address.
    for (const report::SourceFrame &s : symbols) {
      report::PrintedFrame f;
      f.function = s.function;
      f.file = s.file;
      f.line = s.line;
      f.column = s.column;
      f.module = base_name(address.module);
      f.address = frame_offset(frames[i]);
      out.push_back(f);
    }
  }
  return out;
}

report::PrintedAccess printed_access(const AccessSnapshotShm &a, bool known, uint8_t type) {
  report::PrintedAccess out;
  out.known = known;
  out.kind = access_kind(type);
  out.size = a.size;
  out.offset = a.offset;
  out.pid = a.pid;
  out.tid = a.tid;
  uint32_t nlocks = a.nlocks < kContextLocks ? a.nlocks : kContextLocks;
  for (uint32_t i = 0; i < nlocks; ++i) out.locks.push_back(lock_text(a.locks[i]));
  return out;
}

uint64_t line_key(const std::vector<report::PrintedFrame> &stack, PackedFrame fallback) {
  for (const report::PrintedFrame &f : stack) {
    if (f.file.empty()) continue;
    std::string text = fmt::format("{}:{}", f.file, f.line);
    uint64_t h = 0xcbf29ce484222325ull;
    for (char c : text) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
    return h;
  }
  return fallback;
}

}  // namespace

void reset_report_writer() {
  pthread_mutex_init(&g_flush_mutex, nullptr);
  g_log_fd = -1;
  g_log_pid = 0;
}

void flush_reports() {
  if (!g_runtime.enabled.load() || g_runtime.state == nullptr) return;
  if (libc::mutex_trylock(&g_flush_mutex) != 0) return;  // another thread is at it
  std::vector<TakenRace> races = take_pending();
  bool printed = false;
  if (!races.empty()) {
    refresh_modules();
    FrameBatch batch;
    std::vector<std::vector<size_t>> ids;
    for (const TakenRace &race : races) {
      ids.push_back(add_stack(batch, race.current));
      ids.push_back(add_stack(batch, race.previous));
      ids.push_back(add_stack(batch, race.where));
    }
    const Options &o = g_runtime.options;
    batch.run(o.external_symbolizer_path.c_str(), o.symbolize);
    for (size_t i = 0; i < races.size(); ++i) {
      const TakenRace &race = races[i];
      report::PrintedRace printed_race;
      printed_race.detector_pid = race.detector_pid;
      printed_race.segment = segment_text(race.seg_kind, race.seg_id, race.seg_key, race.seg_name);
      printed_race.segment_size = race.seg_size;
      printed_race.segment_is_object =
          static_cast<SegmentKind>(race.seg_kind) == SegmentKind::PosixObject;
      printed_race.segment_id = race.seg_id;
      printed_race.segment_key = race.seg_key;
      printed_race.current =
          printed_access(race.current_access, true, race.current_access.type);
      printed_race.current.stack = printed_stack(batch, race.current, ids[3 * i]);
      printed_race.current.stack_missing = depot_missing_reason(race.current_access.stack_id);
      printed_race.previous =
          printed_access(race.previous_access, race.previous_known, race.previous_access.type);
      printed_race.previous.stack = printed_stack(batch, race.previous, ids[3 * i + 1]);
      printed_race.previous.stack_missing = depot_missing_reason(race.previous_access.stack_id);
      printed_race.where_pid = race.where_pid;
      printed_race.where_tid = race.where_tid;
      printed_race.where = printed_stack(batch, race.where, ids[3 * i + 2]);

      if (!first_of_its_kind(
              state().dedup_lines,
              line_key(printed_race.current.stack, race.current.empty() ? 0 : race.current[0]),
              line_key(printed_race.previous.stack,
                       race.previous.empty() ? 0 : race.previous[0])))
        continue;
      // After de-duplication, so that the count is of races that would have
      // been reported.
      if (race_suppressed(printed_race)) continue;
      write_all(output_fd(), report::format_race(printed_race, o.strip_path_prefix.c_str()));
      record_append(report::race_record(printed_race));
      mark_involved(race.current_access.process, race.current_access.incarnation);
      if (race.previous_known)
        mark_involved(race.previous_access.process, race.previous_access.incarnation);
      state().header.races_reported.fetch_add(1, std::memory_order_relaxed);
      g_runtime.reported_count.fetch_add(1);
      printed = true;
    }
  }
  if (printed) g_runtime.reported_race.store(true);
  libc::mutex_unlock(&g_flush_mutex);
  if (printed && g_runtime.options.halt_on_error) {
    int code = g_runtime.options.exitcode;
    process_exit();
    _exit(code);
  }
}

}  // namespace shmcheck::core
