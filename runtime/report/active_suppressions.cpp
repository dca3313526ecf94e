#include "active_suppressions.h"

#include <atomic>
#include <string>
#include <vector>

#include <unistd.h>

#include <fmt/format.h>

#include "core_state.h"
#include "suppressions.h"

// Optional hook defined by the checked program (runtime/include/shmcheck/hooks.h).
extern "C" __attribute__((weak)) const char *__shmcheck_default_suppressions();

namespace shmcheck::core {
namespace {

struct Loaded {
  report::SuppressionList list;
  // Per-suppression hit counts; they belong to the process that counted
  // them (a fork child starts from zero).
  std::vector<uint64_t> hits;
  uint64_t total = 0;
  pid_t counting_pid = 0;
};

// Never destroyed: reports are flushed from the library's destructor, which
// runs after the static destructors.
Loaded *g_loaded = nullptr;
std::atomic<bool> g_active{false};

Loaded &loaded() {
  if (g_loaded == nullptr) g_loaded = new Loaded;
  return *g_loaded;
}

void restart_counts_after_fork() {
  Loaded &l = loaded();
  pid_t pid = getpid();
  if (pid == l.counting_pid) return;
  l.counting_pid = pid;
  l.hits.assign(l.list.entries().size(), 0);
  l.total = 0;
}

}  // namespace

void load_suppressions() {
  report::SuppressionList list;
  std::string error;
  bool ok = true;
  const char *file = g_runtime.options.suppressions.c_str();
  if (file[0] != '\0') ok = list.load_file(file, &error);
  if (ok && __shmcheck_default_suppressions != nullptr) {
    const char *text = __shmcheck_default_suppressions();
    if (text != nullptr) ok = list.parse(text, "__shmcheck_default_suppressions()", &error);
  }
  if (!ok) {
    print_error(fmt::format("shmcheck: {}; no race is suppressed", error).c_str());
    list = report::SuppressionList();
  }
  loaded().list = std::move(list);
  loaded().counting_pid = 0;
  restart_counts_after_fork();
  g_active.store(!loaded().list.empty());
}

bool suppressions_active() { return g_active.load(std::memory_order_relaxed); }

bool race_suppressed(const report::PrintedRace &race) {
  if (!suppressions_active()) return false;
  int index = loaded().list.match(race);
  if (index < 0) return false;
  restart_counts_after_fork();
  ++loaded().hits[static_cast<size_t>(index)];
  ++loaded().total;
  return true;
}

uint64_t suppressed_race_count() {
  restart_counts_after_fork();
  return loaded().total;
}

void print_suppression_counts() {
  if (!suppressions_active()) return;
  restart_counts_after_fork();
  const Loaded &l = loaded();
  std::string line = fmt::format("shmcheck: pid {} suppressed {} race{}", getpid(), l.total,
                                 l.total == 1 ? "" : "s");
  const char *separator = ": ";
  for (size_t i = 0; i < l.hits.size(); ++i) {
    if (l.hits[i] == 0) continue;
    const report::Suppression &s = l.list.entries()[i];
    line += fmt::format("{}{}:{} ({})", separator,
                        s.kind == report::SuppressionKind::RaceTop ? "race_top" : "race",
                        s.pattern, l.hits[i]);
    separator = ", ";
  }
  print_error(line.c_str());
}

}  // namespace shmcheck::core
