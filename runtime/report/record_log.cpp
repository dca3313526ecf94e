#include "record_log.h"

#include <cerrno>
#include <climits>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "active_suppressions.h"
#include "core_state.h"
#include "race_record.h"

namespace shmcheck::core {
namespace {

bool g_warned = false;

std::string own_executable() {
  char path[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return {};
  return std::string(path, static_cast<size_t>(n));
}

}  // namespace

void record_append(const std::string &line) {
  const Options &o = g_runtime.options;
  if (o.report_json.empty()) return;
  std::string path = fmt::format("{}.{}", o.report_json.c_str(), getpid());
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (!g_warned)
      print_error(fmt::format("shmcheck: cannot write records to '{}': {}", path,
                              strerror(errno))
                      .c_str());
    g_warned = true;
    return;
  }
  // One write per record: appends of different threads never interleave.
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = write(fd, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  close(fd);
}

void record_process_started() {
  if (g_runtime.options.report_json.empty()) return;
  report::ProcessFacts facts;
  facts.pid = static_cast<uint32_t>(g_runtime.pid);
  facts.ppid = static_cast<uint32_t>(getppid());
  facts.start_time = g_runtime.start_time;
  facts.executable = own_executable();
  facts.session = g_runtime.options.session.c_str();
  record_append(report::process_record(facts));
}

void record_segment_attached(const SegmentIdentity &identity, size_t size) {
  if (g_runtime.options.report_json.empty()) return;
  report::SegmentFacts facts;
  facts.pid = static_cast<uint32_t>(g_runtime.pid);
  facts.is_object = identity.kind == SegmentKind::PosixObject;
  facts.id = identity.id;
  facts.key = identity.key;
  facts.size = size;
  record_append(report::segment_record(facts));
}

void record_process_exit() {
  if (g_runtime.options.report_json.empty()) return;
  report::ExitFacts facts;
  facts.pid = static_cast<uint32_t>(g_runtime.pid);
  facts.start_time = g_runtime.start_time;
  facts.races_reported = g_runtime.reported_count.load();
  facts.races_suppressed = suppressed_race_count();
  facts.state_peak_bytes = state().header.state_peak_bytes.load(std::memory_order_relaxed);
  record_append(report::exit_record(facts));
}

}  // namespace shmcheck::core
