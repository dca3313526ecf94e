// lock_sniper LOCK VICTIM: kills process VICTIM at a moment when one of its
// threads holds one of the runtime's own locks in the session's shared state.
//
// LOCK is "registry" (processes, slots, segments), "sync" (any stripe of the
// sync-object table) or "shadow" (any stripe of any shadow object of the
// session). The sniper maps the state read-only, watches the lock words
// (glibc's robust mutex word holds the owner's thread id), and when a thread
// of VICTIM owns one it stops VICTIM with SIGSTOP, waits until that thread
// has stopped and looks again: a lock still owned by a stopped thread cannot
// be released any more, so the SIGKILL that follows is known to hit inside
// the critical section. Otherwise VICTIM continues and the sniper watches on.
//
// The session comes from SHMCHECK_OPTIONS, as for the runtime. The sniper
// must run without the runtime (the caller removes LD_PRELOAD). When VICTIM
// is not checked (no runtime mapped in it) there is no such lock: it is
// killed after a moment, so that a plain run of the same scenario does the
// same. Prints one line on stderr saying what happened; exit status 0 when VICTIM was
// killed as asked, 1 when the moment never came (or on any error).
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shared_layout.h"

namespace {

using shmcheck::core::RobustMutex;
using shmcheck::core::ShadowHeaderShm;
using shmcheck::core::SharedStateShm;

constexpr int kFutexTidMask = 0x3fffffff;
constexpr int kFutexOwnerDied = 0x40000000;
constexpr double kPatienceSeconds = 60;

double now() {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

void pause_briefly(long microseconds) {
  struct timespec t = {0, microseconds * 1000};
  nanosleep(&t, nullptr);
}

std::string session_name() {
  const char *options = getenv("SHMCHECK_OPTIONS");
  std::string session = "default";
  if (options == nullptr) return session;
  // The last "session=" wins, as in the runtime's parser.
  std::string text = options;
  for (size_t at = 0; (at = text.find("session=", at)) != std::string::npos; at += 8) {
    if (at != 0 && text[at - 1] != ':' && text[at - 1] != ' ') continue;
    size_t end = text.find_first_of(": \t\n", at + 8);
    session = text.substr(at + 8, end == std::string::npos ? std::string::npos : end - at - 8);
  }
  return session;
}

bool runs_the_runtime(pid_t pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/maps";
  FILE *maps = fopen(path.c_str(), "r");
  if (maps == nullptr) return false;
  char line[4096];
  bool found = false;
  while (!found && fgets(line, sizeof line, maps) != nullptr)
    found = strstr(line, "libshmcheck.so") != nullptr;
  fclose(maps);
  return found;
}

bool is_thread_of(pid_t pid, int tid) {
  std::string path = "/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid);
  return access(path.c_str(), F_OK) == 0;
}

// The state letter of every thread of `pid` ('T' stopped, 'Z' zombie...).
std::string thread_states(pid_t pid) {
  std::string states;
  std::string dir_path = "/proc/" + std::to_string(pid) + "/task";
  DIR *dir = opendir(dir_path.c_str());
  if (dir == nullptr) return states;
  while (struct dirent *entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    std::string stat_path = dir_path + "/" + entry->d_name + "/stat";
    FILE *f = fopen(stat_path.c_str(), "r");
    if (f == nullptr) continue;
    char buffer[512];
    size_t n = fread(buffer, 1, sizeof buffer - 1, f);
    fclose(f);
    buffer[n] = '\0';
    const char *paren = strrchr(buffer, ')');
    if (paren != nullptr && paren[1] == ' ') states += paren[2];
  }
  closedir(dir);
  return states;
}

// The state letter of thread `tid` of `pid`, or 0.
char thread_state(pid_t pid, int tid) {
  std::string path = "/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid) + "/stat";
  FILE *f = fopen(path.c_str(), "r");
  if (f == nullptr) return 0;
  char buffer[512];
  size_t n = fread(buffer, 1, sizeof buffer - 1, f);
  fclose(f);
  buffer[n] = '\0';
  const char *paren = strrchr(buffer, ')');
  return paren != nullptr && paren[1] == ' ' ? paren[2] : 0;
}

bool stopped(pid_t pid, int tid) {
  char state = thread_state(pid, tid);
  return state == 'T' || state == 't';
}

bool gone(pid_t pid) {
  std::string states = thread_states(pid);
  return states.empty() || states.find_first_not_of("ZX") == std::string::npos;
}

void *map_read_only(const std::string &path, size_t size) {
  int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return nullptr;
  struct stat st;
  void *map = MAP_FAILED;
  if (fstat(fd, &st) == 0 && static_cast<size_t>(st.st_size) >= size)
    map = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  close(fd);
  return map == MAP_FAILED ? nullptr : map;
}

struct WatchedLock {
  const RobustMutex *mutex;
  std::string name;
};

class Sniper {
 public:
  Sniper(std::string kind, pid_t victim) : kind_(std::move(kind)), victim_(victim) {
    state_name_ = "shmcheck-" + std::to_string(geteuid()) + "-" + session_name();
  }

  // The locks of the requested kind that exist now (shadow objects appear
  // as segments are attached, so this is called again while watching).
  void refresh_locks() {
    if (state_ == nullptr) {
      state_ = static_cast<const SharedStateShm *>(
          map_read_only("/dev/shm/" + state_name_, sizeof(SharedStateShm)));
      if (state_ == nullptr) return;
    }
    locks_.clear();
    if (kind_ == "registry") {
      locks_.push_back({&state_->header.registry_lock, "registry"});
    } else if (kind_ == "sync") {
      for (uint32_t i = 0; i < shmcheck::core::kSyncStripes; ++i)
        locks_.push_back({&state_->sync_stripes[i].lock, "sync stripe " + std::to_string(i)});
    } else if (kind_ == "shadow") {
      map_shadows();
      for (const auto &[name, header] : shadows_)
        for (uint32_t i = 0; i < shmcheck::core::kShadowStripes; ++i)
          locks_.push_back({&header->stripes[i], "stripe " + std::to_string(i) + " of " + name});
    }
  }

  // A watched lock owned by a thread of the victim, or nullptr.
  const WatchedLock *owned_by_victim(int *owner) const {
    for (const WatchedLock &lock : locks_) {
      int word = __atomic_load_n(&lock.mutex->mutex.__data.__lock, __ATOMIC_ACQUIRE);
      int tid = word & kFutexTidMask;
      if (tid != 0 && (word & kFutexOwnerDied) == 0 && is_thread_of(victim_, tid)) {
        *owner = tid;
        return &lock;
      }
    }
    return nullptr;
  }

  int run() {
    const double deadline = now() + kPatienceSeconds;
    // The victim has loaded the runtime by the time it runs main().
    if (!runs_the_runtime(victim_)) {
      pause_briefly(100000);
      if (kill(victim_, SIGKILL) != 0) return fail("cannot kill the victim");
      fprintf(stderr, "lock_sniper: pid %d runs without the runtime: killed without a lock\n",
              victim_);
      return 0;
    }
    int stops = 0;
    double refreshed = 0;
    while (now() < deadline) {
      if (now() - refreshed > 0.05) {
        refresh_locks();
        refreshed = now();
      }
      int owner = 0;
      const WatchedLock *held = owned_by_victim(&owner);
      if (held == nullptr) {
        if (gone(victim_)) return fail("the victim ended on its own");
        continue;  // spin: critical sections last microseconds
      }
      if (kill(victim_, SIGSTOP) != 0) return fail("cannot stop the victim");
      ++stops;
      // Only the owner can release the lock: once it is stopped, a lock it
      // still owns stays held.
      for (int waited = 0; !stopped(victim_, owner) && waited < 400; ++waited)
        pause_briefly(500);
      int still = 0;
      held = owned_by_victim(&still);
      if (held != nullptr && stopped(victim_, still)) {
        kill(victim_, SIGKILL);
        for (int waited = 0; !gone(victim_) && waited < 4000; ++waited) pause_briefly(500);
        fprintf(stderr, "lock_sniper: killed pid %d while its thread %d held the %s lock (%s), "
               "after %d stops\n",
               victim_, still, kind_.c_str(), held->name.c_str(), stops);
        return 0;
      }
      kill(victim_, SIGCONT);
    }
    kill(victim_, SIGKILL);
    return fail("never caught the victim holding the lock (" + std::to_string(stops) + " stops)");
  }

 private:
  int fail(const std::string &why) {
    fprintf(stderr, "lock_sniper: %s lock of pid %d: %s\n", kind_.c_str(), victim_, why.c_str());
    return 1;
  }

  void map_shadows() {
    const std::string prefix = state_name_ + "@";
    DIR *dir = opendir("/dev/shm");
    if (dir == nullptr) return;
    while (struct dirent *entry = readdir(dir)) {
      std::string name = entry->d_name;
      if (name.compare(0, prefix.size(), prefix) != 0) continue;
      bool known = false;
      for (const auto &shadow : shadows_) known = known || shadow.first == name;
      if (known) continue;
      auto *header = static_cast<const ShadowHeaderShm *>(
          map_read_only("/dev/shm/" + name, sizeof(ShadowHeaderShm)));
      if (header != nullptr) shadows_.emplace_back(name, header);
    }
    closedir(dir);
  }

  std::string kind_;
  pid_t victim_;
  std::string state_name_;
  const SharedStateShm *state_ = nullptr;
  std::vector<std::pair<std::string, const ShadowHeaderShm *>> shadows_;
  std::vector<WatchedLock> locks_;
};

}  // namespace

int main(int argc, char **argv) {
  if (argc != 3 || (strcmp(argv[1], "registry") != 0 && strcmp(argv[1], "sync") != 0 &&
                    strcmp(argv[1], "shadow") != 0)) {
    fprintf(stderr, "usage: lock_sniper registry|sync|shadow VICTIM_PID\n");
    return 2;
  }
  Sniper sniper(argv[1], static_cast<pid_t>(atoi(argv[2])));
  return sniper.run();
}
