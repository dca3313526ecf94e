#include "interpose/proc_maps.h"

#include <fcntl.h>
#include <sys/syscall.h>

#include "trap/raw_syscall.h"

namespace shmcheck::interpose {

namespace {

uint64_t parse_hex(const char *&p) {
  uint64_t value = 0;
  for (;; ++p) {
    const char c = *p;
    if (c >= '0' && c <= '9')
      value = value * 16 + static_cast<uint64_t>(c - '0');
    else if (c >= 'a' && c <= 'f')
      value = value * 16 + static_cast<uint64_t>(c - 'a' + 10);
    else
      return value;
  }
}

uint64_t parse_dec(const char *&p) {
  uint64_t value = 0;
  for (; *p >= '0' && *p <= '9'; ++p)
    value = value * 10 + static_cast<uint64_t>(*p - '0');
  return value;
}

void skip_spaces(const char *&p) {
  while (*p == ' ')
    ++p;
}

bool parse_line(const char *line, MapsEntry *entry) {
  const char *p = line;
  entry->start = parse_hex(p);
  if (*p++ != '-')
    return false;
  entry->end = parse_hex(p);
  skip_spaces(p);
  // perms: rwxp / rwxs
  if (p[0] == '\0' || p[1] == '\0' || p[2] == '\0' || p[3] == '\0')
    return false;
  entry->shared = p[3] == 's';
  p += 4;
  skip_spaces(p);
  entry->offset = parse_hex(p);
  skip_spaces(p);
  entry->major = static_cast<unsigned>(parse_hex(p));
  if (*p++ != ':')
    return false;
  entry->minor = static_cast<unsigned>(parse_hex(p));
  skip_spaces(p);
  entry->inode = parse_dec(p);
  skip_spaces(p);
  size_t n = 0;
  for (; p[n] != '\0' && n + 1 < sizeof(entry->path); ++n)
    entry->path[n] = p[n];
  entry->path[n] = '\0';
  return true;
}

}  // namespace

bool read_maps(bool (*visit)(const MapsEntry &, void *), void *context) {
  const long fd = trap::raw_syscall(SYS_open,
                                    reinterpret_cast<long>("/proc/self/maps"),
                                    O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return false;
  char buffer[4096];
  char line[512];
  size_t line_length = 0;
  bool more = true;
  while (more) {
    const long n = trap::raw_syscall(SYS_read, fd, reinterpret_cast<long>(buffer),
                                     sizeof(buffer));
    if (n <= 0)
      break;
    for (long i = 0; i < n && more; ++i) {
      if (buffer[i] != '\n') {
        if (line_length + 1 < sizeof(line))
          line[line_length++] = buffer[i];
        continue;
      }
      line[line_length] = '\0';
      line_length = 0;
      MapsEntry entry;
      if (parse_line(line, &entry))
        more = visit(entry, context);
    }
  }
  trap::raw_syscall(SYS_close, fd);
  return true;
}

bool find_mapping(uintptr_t address, MapsEntry *out) {
  bool found = false;
  for_each_mapping([&](const MapsEntry &entry) {
    if (address >= entry.start && address < entry.end) {
      *out = entry;
      found = true;
      return false;
    }
    return true;
  });
  return found;
}

}  // namespace shmcheck::interpose
