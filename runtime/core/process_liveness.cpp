#include "process_liveness.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

namespace shmcheck::core {
namespace {

// Reads /proc/<pid>/stat into `buffer`; returns the text after the command
// name (which may itself contain spaces and parentheses), or nullptr.
const char *read_stat_fields(pid_t pid, char *buffer, size_t size) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  ssize_t n = read(fd, buffer, size - 1);
  close(fd);
  if (n <= 0) return nullptr;
  buffer[n] = '\0';
  const char *close_paren = strrchr(buffer, ')');
  if (close_paren == nullptr || close_paren[1] != ' ') return nullptr;
  return close_paren + 2;  // field 3, the state
}

}  // namespace

uint64_t process_start_time(pid_t pid) {
  char buffer[1024];
  const char *p = read_stat_fields(pid, buffer, sizeof buffer);
  if (p == nullptr) return 0;
  // Fields 3..21 precede the start time (field 22).
  for (int field = 3; field < 22; ++field) {
    p = strchr(p, ' ');
    if (p == nullptr) return 0;
    ++p;
  }
  return strtoull(p, nullptr, 10);
}

bool process_is_gone(pid_t pid, uint64_t start_time) {
  if (pid <= 0) return true;
  char buffer[1024];
  const char *p = read_stat_fields(pid, buffer, sizeof buffer);
  if (p == nullptr) return true;
  if (*p == 'Z' || *p == 'X' || *p == 'x') return true;
  if (start_time != 0 && process_start_time(pid) != start_time) return true;
  return false;
}

}  // namespace shmcheck::core
