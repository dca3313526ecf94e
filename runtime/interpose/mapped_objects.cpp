#include "interpose/mapped_objects.h"

#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstring>
#include <initializer_list>

#include "core/options.h"
#include "core/proc_path.h"
#include "interpose/proc_maps.h"

namespace shmcheck::interpose {

namespace {

constexpr char kShmDirectory[] = "/dev/shm/";
constexpr char kMemfdPrefix[] = "/memfd:";
constexpr char kDeletedSuffix[] = " (deleted)";

bool starts_with(const char *text, const char *prefix) {
  return strncmp(text, prefix, strlen(prefix)) == 0;
}

// The kernel appends " (deleted)" to the path of an unlinked object (every
// memfd, a shm object after shm_unlink); the object keeps its name.
void drop_deleted_suffix(char *path) {
  const size_t length = strlen(path);
  const size_t suffix = sizeof(kDeletedSuffix) - 1;
  if (length >= suffix && strcmp(path + length - suffix, kDeletedSuffix) == 0)
    path[length - suffix] = '\0';
}

// Bounded concatenation; truncates.
template <size_t N>
void join(char (&out)[N], const char *first, const char *second) {
  size_t n = 0;
  for (const char *part : {first, second})
    for (; *part != '\0' && n + 1 < N; ++part)
      out[n++] = *part;
  out[n] = '\0';
}


bool identify_anonymous(uintptr_t view, MappedObject *out) {
  MapsEntry entry;
  if (!find_mapping(view, &entry) || !entry.shared || entry.inode == 0)
    return false;
  out->kind = ObjectKind::Anonymous;
  out->identity = {core::SegmentKind::PosixObject,
                   static_cast<uint64_t>(makedev(entry.major, entry.minor)),
                   entry.inode};
  out->offset = entry.offset + (view - entry.start);
  out->size = entry.offset + (entry.end - entry.start);
  join(out->description, "anonymous shared mapping", "");
  return true;
}

bool identify_file(int fd, off_t offset, const struct stat &st,
                   MappedObject *out) {
  struct statfs fs;
  if (fstatfs(fd, &fs) == 0 && fs.f_type == HUGETLBFS_MAGIC)
    return false;  // huge pages: the runtime works in 4 KiB pages
  char link[32];
  core::proc_path(link, "/proc/self/fd/", static_cast<unsigned>(fd));
  char path[256];
  const ssize_t n = readlink(link, path, sizeof(path) - 1);
  path[n > 0 ? n : 0] = '\0';
  drop_deleted_suffix(path);
  if (starts_with(path, kMemfdPrefix)) {
    out->kind = ObjectKind::Memfd;
    join(out->description, "object ", path + 1);
  } else if (starts_with(path, kShmDirectory)) {
    out->kind = ObjectKind::ShmObject;
    join(out->description, "object ", path);
  } else {
    if (!core::options().shared_files)
      return false;
    out->kind = ObjectKind::File;
    join(out->description, "file ", path[0] != '\0' ? path : "(unnamed)");
  }
  out->identity = {core::SegmentKind::PosixObject,
                   static_cast<uint64_t>(st.st_dev),
                   static_cast<uint64_t>(st.st_ino)};
  out->offset = static_cast<uint64_t>(offset);
  out->size = static_cast<uint64_t>(st.st_size);
  return true;
}

}  // namespace

bool identify_mapping(uintptr_t view, int flags, int fd, off_t offset,
                      MappedObject *out) {
  if (flags & MAP_HUGETLB)
    return false;
  if (flags & MAP_ANONYMOUS)
    return identify_anonymous(view, out);
  struct stat st;
  if (fstat(fd, &st) != 0)
    return false;
  if (S_ISREG(st.st_mode))
    return identify_file(fd, offset, st, out);
  // A shared mapping of /dev/zero is a new anonymous shared region.
  if (S_ISCHR(st.st_mode)) {
    MapsEntry entry;
    if (find_mapping(view, &entry) && starts_with(entry.path, "/dev/zero"))
      return identify_anonymous(view, out);
  }
  return false;
}

bool identify_shm_name(const char *name, core::SegmentIdentity *out) {
  if (name == nullptr)
    return false;
  while (*name == '/')
    ++name;
  char path[256];
  join(path, kShmDirectory, name);
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
    return false;
  *out = {core::SegmentKind::PosixObject, static_cast<uint64_t>(st.st_dev),
          static_cast<uint64_t>(st.st_ino)};
  return true;
}

}  // namespace shmcheck::interpose
