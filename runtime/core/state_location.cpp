#include "state_location.h"

#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "keyed_hash.h"

namespace shmcheck::core {
namespace {

constexpr char kKeyFileName[] = ".shmcheck-state-key";

// Private names tried before giving up: each one skipped was planted by
// someone who saw it in /dev/shm while its state was alive.
constexpr uint32_t kMaxGenerations = 64;

struct KeyFileContents {
  uint64_t k0;
  uint64_t k1;
  uint32_t generation;
  uint32_t reserved;
};

enum class NameOwner { Nobody, Us, SomeoneElse };

NameOwner owner_of(const char *name) {
  char path[256];
  snprintf(path, sizeof path, "/dev/shm%s", name);
  struct stat st;
  if (lstat(path, &st) != 0) return errno == ENOENT ? NameOwner::Nobody : NameOwner::SomeoneElse;
  return st.st_uid == geteuid() ? NameOwner::Us : NameOwner::SomeoneElse;
}

// A directory where only this user can create names.
bool private_directory(const char *dir) {
  if (dir == nullptr || dir[0] != '/') return false;
  struct stat st;
  return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
         (st.st_mode & 022) == 0;
}

// The file-lock interceptor must not see the runtime's own lock.
int lock_file(int fd, int operation) {
  return static_cast<int>(syscall(SYS_flock, fd, operation));
}

bool fresh_key(KeyFileContents *key) {
  *key = KeyFileContents{};
  return syscall(SYS_getrandom, key, 2 * sizeof(uint64_t), 0) ==
         static_cast<long>(2 * sizeof(uint64_t));
}

// Publishes a new key file whole (written under a temporary name, then
// linked), so that a concurrent reader never sees it half-written.
void create_key_file(const char *path) {
  KeyFileContents key;
  if (!fresh_key(&key)) return;
  char temporary[PATH_MAX];
  if (snprintf(temporary, sizeof temporary, "%s.%d", path, static_cast<int>(getpid())) >=
      static_cast<int>(sizeof temporary))
    return;
  int fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return;
  const bool written = fchmod(fd, 0600) == 0 &&
                       write(fd, &key, sizeof key) == static_cast<ssize_t>(sizeof key);
  close(fd);
  if (written) link(temporary, path);  // EEXIST: another process won
  unlink(temporary);
}

// Opens (creating it the first time) the user's key file: in
// $XDG_RUNTIME_DIR when that is a private directory, otherwise in $HOME.
int open_key_file() {
  const char *dir = getenv("XDG_RUNTIME_DIR");
  if (!private_directory(dir)) dir = getenv("HOME");
  if (!private_directory(dir)) return -1;
  char path[PATH_MAX];
  if (snprintf(path, sizeof path, "%s/%s", dir, kKeyFileName) >= static_cast<int>(sizeof path))
    return -1;
  int fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    create_key_file(path);
    fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
  }
  if (fd < 0) return -1;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
      (st.st_mode & 077) != 0 || st.st_size != static_cast<off_t>(sizeof(KeyFileContents))) {
    close(fd);
    return -1;
  }
  return fd;
}

bool read_key(int fd, KeyFileContents *key) {
  return pread(fd, key, sizeof *key, 0) == static_cast<ssize_t>(sizeof *key);
}

// Moves the key's generation past `seen`, unless another process did.
void skip_generation(int fd, uint32_t seen) {
  if (lock_file(fd, LOCK_EX) != 0) return;
  KeyFileContents key;
  if (read_key(fd, &key) && key.generation == seen) {
    key.generation = seen + 1;
    pwrite(fd, &key, sizeof key, 0);
  }
  lock_file(fd, LOCK_UN);
}

void private_name(const char *plain, const char *session, const KeyFileContents &key, char *out,
                  size_t out_size) {
  char input[128];
  const size_t length = strnlen(session, 64);
  memcpy(input, session, length);
  input[length] = '\0';
  memcpy(input + length + 1, &key.generation, sizeof key.generation);
  const uint64_t tag =
      keyed_hash(HashKey{key.k0, key.k1}, input, length + 1 + sizeof key.generation);
  snprintf(out, out_size, "%s~%016llx", plain, static_cast<unsigned long long>(tag));
}

}  // namespace

void choose_state_name(const char *session, char *out, size_t out_size, char *note,
                       size_t note_size) {
  note[0] = '\0';
  char plain[96];
  snprintf(plain, sizeof plain, "/shmcheck-%u-%s", static_cast<unsigned>(geteuid()), session);
  snprintf(out, out_size, "%s", plain);
  if (owner_of(plain) != NameOwner::SomeoneElse) return;
  // Without a key the plain name stays, and the state refuses it with its
  // own one-line reason.
  int fd = open_key_file();
  if (fd < 0) return;
  for (uint32_t attempt = 0; attempt < kMaxGenerations; ++attempt) {
    KeyFileContents key;
    if (!read_key(fd, &key)) break;
    char candidate[128];
    private_name(plain, session, key, candidate, sizeof candidate);
    if (owner_of(candidate) != NameOwner::SomeoneElse) {
      snprintf(out, out_size, "%s", candidate);
      snprintf(note, note_size,
               "shmcheck: '%s' in /dev/shm belongs to another user; checking under a private "
               "name instead",
               plain);
      break;
    }
    skip_generation(fd, key.generation);
  }
  close(fd);
}

}  // namespace shmcheck::core
