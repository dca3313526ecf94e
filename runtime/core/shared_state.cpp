#include "shared_state.h"

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <new>

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "process_liveness.h"

namespace shmcheck::core {
namespace {

constexpr const char *kShmDir = "/dev/shm/";

// Waiting for a concurrent creator to finish initializing the state.
constexpr int kInitWaitMs = 2000;

bool owned_privately(const struct stat &st) {
  return S_ISREG(st.st_mode) && st.st_uid == geteuid() && (st.st_mode & 077) == 0;
}

// Removes shadow objects of earlier lifetimes of this state: their names
// start with "<state name>@" and nothing alive uses them once a new state
// object has been created.
void remove_stale_shadows(const char *state_name) {
  char prefix[128];
  snprintf(prefix, sizeof prefix, "%s@", state_name + 1);  // skip the '/'
  size_t prefix_len = strlen(prefix);
  DIR *dir = opendir(kShmDir);
  if (dir == nullptr) return;
  while (struct dirent *entry = readdir(dir)) {
    if (strncmp(entry->d_name, prefix, prefix_len) != 0) continue;
    char name[300];
    snprintf(name, sizeof name, "/%s", entry->d_name);
    shm_unlink(name);
  }
  closedir(dir);
}

bool initialize(SharedStateShm *state) {
  StateHeaderShm &h = state->header;
  h.creator_pid = static_cast<uint32_t>(getpid());
  h.owner_uid = geteuid();
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  h.nonce = (static_cast<uint64_t>(now.tv_nsec) << 20) ^ static_cast<uint64_t>(now.tv_sec) ^
            (static_cast<uint64_t>(getpid()) << 40);
  if (!h.registry_lock.init() || !h.depot_lock.init() || !h.readset_lock.init() ||
      !h.expanded_lock.init())
    return false;
  for (SyncStripeShm &stripe : state->sync_stripes)
    if (!stripe.lock.init()) return false;
  h.next_incarnation.store(1);
  h.next_context.store(1);
  h.total_size = sizeof(SharedStateShm);
  h.state_bytes.store(sizeof(SharedStateShm));
  h.state_peak_bytes.store(sizeof(SharedStateShm));
  h.version = kLayoutVersion;
  h.magic = kStateMagic;
  h.status.store(kStateReady, std::memory_order_release);
  return true;
}

}  // namespace

void shadow_object_name(const char *state_name, uint64_t nonce, uint32_t index,
                        uint32_t generation, char *out, size_t out_size) {
  snprintf(out, out_size, "%s@%llx-s%u-g%u", state_name,
           static_cast<unsigned long long>(nonce), index, generation);
}

SharedStateShm *open_shared_state(const char *name, char *error, size_t error_size) {
  const size_t size = sizeof(SharedStateShm);
  for (int attempt = 0; attempt < 8; ++attempt) {
    int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0) {
      // Ours from scratch. Mode is 0600 whatever the umask did.
      // Allocated now, whole: touching a page of a sparse object on a full
      // /dev/shm would kill the program with SIGBUS.
      int err = 0;
      if (fchmod(fd, 0600) != 0 || ftruncate(fd, static_cast<off_t>(size)) != 0) err = errno;
      else err = posix_fallocate(fd, 0, static_cast<off_t>(size));
      if (err != 0) {
        if (err == ENOSPC)
          snprintf(error, error_size,
                   "shmcheck: /dev/shm has no room for the shared state (%zu MiB); running "
                   "unchecked",
                   size >> 20);
        else
          snprintf(error, error_size, "shmcheck: cannot size shared state '%s': %s", name,
                   strerror(err));
        close(fd);
        shm_unlink(name);
        return nullptr;
      }
      void *map = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      close(fd);
      if (map == MAP_FAILED) {
        snprintf(error, error_size, "shmcheck: cannot map shared state '%s': %s", name,
                 strerror(errno));
        shm_unlink(name);
        return nullptr;
      }
      auto *state = static_cast<SharedStateShm *>(map);
      remove_stale_shadows(name);
      if (!initialize(state)) {
        snprintf(error, error_size, "shmcheck: cannot initialize locks in '%s'", name);
        munmap(map, size);
        shm_unlink(name);
        return nullptr;
      }
      return state;
    }
    if (errno != EEXIST) {
      snprintf(error, error_size, "shmcheck: cannot create shared state '%s': %s", name,
               strerror(errno));
      return nullptr;
    }
    fd = shm_open(name, O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0);
    if (fd < 0) {
      if (errno == ENOENT) continue;  // the last user just removed it
      snprintf(error, error_size, "shmcheck: cannot open shared state '%s': %s", name,
               strerror(errno));
      return nullptr;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !owned_privately(st)) {
      snprintf(error, error_size,
               "shmcheck: shared state '%s' is not a private object of this user; "
               "running unchecked",
               name);
      close(fd);
      return nullptr;
    }
    if (static_cast<uint64_t>(st.st_size) != size) {
      // A creator that has not sized it yet shows size 0 for a moment.
      close(fd);
      if (st.st_size == 0) {
        struct timespec pause = {0, 2000000};
        nanosleep(&pause, nullptr);
        continue;
      }
      snprintf(error, error_size,
               "shmcheck: shared state '%s' has the wrong size (another shmcheck version?); "
               "running unchecked",
               name);
      return nullptr;
    }
    void *map = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
      snprintf(error, error_size, "shmcheck: cannot map shared state '%s': %s", name,
               strerror(errno));
      return nullptr;
    }
    auto *state = static_cast<SharedStateShm *>(map);
    StateHeaderShm &h = state->header;
    int waited = 0;
    while (h.status.load(std::memory_order_acquire) == kStateInitializing && waited < kInitWaitMs) {
      struct timespec pause = {0, 1000000};
      nanosleep(&pause, nullptr);
      ++waited;
    }
    uint32_t status = h.status.load(std::memory_order_acquire);
    if (status == kStateInitializing) {
      // The creator died half-way (or never got going): the object is junk.
      if (h.creator_pid == 0 || process_is_gone(static_cast<pid_t>(h.creator_pid), 0)) {
        munmap(map, size);
        shm_unlink(name);
        continue;
      }
      snprintf(error, error_size,
               "shmcheck: shared state '%s' stays uninitialized; running unchecked", name);
      munmap(map, size);
      return nullptr;
    }
    if (h.magic != kStateMagic || h.version != kLayoutVersion || h.total_size != size ||
        h.owner_uid != geteuid() || status > kStateClosed) {
      snprintf(error, error_size,
               "shmcheck: shared state '%s' is corrupt or from another version; running "
               "unchecked (remove it when no checked process runs)",
               name);
      munmap(map, size);
      return nullptr;
    }
    if (status == kStateClosed) {
      // Its last user is removing it; start a fresh one.
      munmap(map, size);
      struct timespec pause = {0, 1000000};
      nanosleep(&pause, nullptr);
      continue;
    }
    return state;
  }
  snprintf(error, error_size, "shmcheck: cannot settle on shared state '%s'; running unchecked",
           name);
  return nullptr;
}

void unmap_shared_state(SharedStateShm *state) {
  if (state != nullptr) munmap(state, sizeof(SharedStateShm));
}

void unlink_shared_state(const char *name) {
  shm_unlink(name);
  remove_stale_shadows(name);
}

uint64_t shadow_map_size(uint64_t segment_size) {
  return kShadowCellsOffset + (segment_size + 7) / 8 * sizeof(ShadowWordShm);
}

uint64_t shadow_allocated_bytes(const char *name) {
  int fd = shm_open(name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0);
  if (fd < 0) return 0;
  struct stat st;
  uint64_t bytes = fstat(fd, &st) == 0 && owned_privately(st)
                       ? static_cast<uint64_t>(st.st_blocks) * 512
                       : 0;
  close(fd);
  return bytes;
}

namespace {

uint64_t page_up(uint64_t bytes) {
  const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  return (bytes + page - 1) / page * page;
}

// Maps the shadow open on `fd` (`map_size` bytes) at the start of a
// reservation big enough for a shadow of `reserve_size` segment bytes. The
// reservation is inaccessible, private and unaccounted: it only holds the
// addresses. Without room for it, the plain mapping is enough.
bool map_reserved(int fd, uint64_t map_size, uint64_t reserve_size, ShadowMapping *out) {
  const uint64_t reserve = page_up(shadow_map_size(reserve_size));
  if (reserve > page_up(map_size)) {
    void *base = mmap(nullptr, reserve, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                      -1, 0);
    if (base != MAP_FAILED) {
      void *map = mmap(base, map_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
      if (map != MAP_FAILED) {
        *out = {static_cast<ShadowHeaderShm *>(map), map_size, reserve};
        return true;
      }
      munmap(base, reserve);
    }
  }
  void *map = mmap(nullptr, map_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) return false;
  *out = {static_cast<ShadowHeaderShm *>(map), map_size, page_up(map_size)};
  return true;
}

}  // namespace

bool create_shadow(const char *name, uint64_t segment_size, uint32_t generation,
                   uint64_t reserve_size, uint32_t chunk_shift, ShadowMapping *out) {
  const uint64_t size = shadow_map_size(segment_size);
  int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST) {
    // Left over from a process that died between creating and registering.
    shm_unlink(name);
    fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  }
  if (fd < 0) return false;
  ShadowMapping mapping{};
  // The header is allocated now; the words a chunk at a time when first
  // used (shadow_commit.h).
  if (fchmod(fd, 0600) != 0 || ftruncate(fd, static_cast<off_t>(size)) != 0 ||
      posix_fallocate(fd, 0, static_cast<off_t>(kShadowCellsOffset)) != 0 ||
      !map_reserved(fd, size, reserve_size, &mapping)) {
    close(fd);
    shm_unlink(name);
    return false;
  }
  close(fd);
  ShadowHeaderShm *header = mapping.header;
  for (RobustMutex &stripe : header->stripes) {
    if (!stripe.init()) {
      munmap(header, mapping.reserved);
      shm_unlink(name);
      return false;
    }
  }
  if (!header->commit_lock.init()) {
    munmap(header, mapping.reserved);
    shm_unlink(name);
    return false;
  }
  header->chunk_shift = chunk_shift;
  header->segment_size = segment_size;
  header->cells_offset = kShadowCellsOffset;
  header->generation = generation;
  header->version = kLayoutVersion;
  header->magic = kShadowMagic;
  *out = mapping;
  return true;
}

bool open_shadow(const char *name, uint64_t segment_size, uint32_t generation,
                 uint64_t reserve_size, ShadowMapping *out) {
  const uint64_t size = shadow_map_size(segment_size);
  int fd = shm_open(name, O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0);
  if (fd < 0) return false;
  struct stat st;
  ShadowMapping mapping{};
  if (fstat(fd, &st) != 0 || !owned_privately(st) || static_cast<uint64_t>(st.st_size) != size ||
      !map_reserved(fd, size, reserve_size, &mapping)) {
    close(fd);
    return false;
  }
  close(fd);
  const ShadowHeaderShm *header = mapping.header;
  if (header->magic != kShadowMagic || header->version != kLayoutVersion ||
      header->segment_size != segment_size || header->generation != generation ||
      header->cells_offset != kShadowCellsOffset || header->chunk_shift < kShadowChunkMinShift ||
      header->chunk_shift > 40 ||
      ((segment_size + 7) / 8 >> header->chunk_shift) >= kShadowChunkBits) {
    munmap(mapping.header, mapping.reserved);
    return false;
  }
  *out = mapping;
  return true;
}

bool grow_shadow(const char *name, uint64_t segment_size) {
  int fd = shm_open(name, O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0);
  if (fd < 0) return false;
  struct stat st;
  const uint64_t size = shadow_map_size(segment_size);
  bool ok = fstat(fd, &st) == 0 && owned_privately(st) &&
            static_cast<uint64_t>(st.st_size) <= size &&
            ftruncate(fd, static_cast<off_t>(size)) == 0;
  // The header names the size that open_shadow() expects.
  if (ok) {
    const uint64_t field = segment_size;
    ok = pwrite(fd, &field, sizeof field, offsetof(ShadowHeaderShm, segment_size)) ==
         static_cast<ssize_t>(sizeof field);
  }
  close(fd);
  return ok;
}

bool extend_shadow_mapping(const char *name, uint64_t segment_size, ShadowMapping *mapping) {
  const uint64_t size = shadow_map_size(segment_size);
  if (size <= mapping->map_size) return true;
  // Pages up to here are mapped already (a mapping covers whole pages).
  const uint64_t from = page_up(mapping->map_size);
  if (page_up(size) > mapping->reserved) return false;
  if (page_up(size) > from) {
    int fd = shm_open(name, O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0);
    if (fd < 0) return false;
    void *at = reinterpret_cast<char *>(mapping->header) + from;
    void *map = mmap(at, size - from, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
                     static_cast<off_t>(from));
    close(fd);
    if (map == MAP_FAILED) return false;
  }
  mapping->map_size = size;
  return true;
}

}  // namespace shmcheck::core
